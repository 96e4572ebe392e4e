/** The plain values an inventory's YAML turns into. */

/** A plain YAML number, with the text the operator wrote. */
export class YamlNumber {
  constructor(readonly value: number, readonly source: string) {}
  toString(): string {
    return this.source;
  }
}

export type PlainValue = string | boolean | null | YamlNumber | PlainValue[] | { [key: string]: PlainValue };
