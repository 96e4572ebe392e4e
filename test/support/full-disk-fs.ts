import { NODE_JSONL_FS, type JsonlFs } from '../../lib/storage/jsonl-file.js';

/** The real file system, except that while `full` is true every write stops halfway: a disk that fills up. */
export class FullDiskFs {
  full = true;

  readonly fs: JsonlFs = {
    ...NODE_JSONL_FS,
    writevSync: (fd, buffers) => {
      const all = Buffer.concat(buffers);
      return NODE_JSONL_FS.writevSync(fd, [this.full ? all.subarray(0, all.length >> 1) : all]);
    },
  };
}
