/**
 * Certificates made at test time: a CA, server certificates for 127.0.0.1/localhost, and device (client)
 * certificates naming a MAC the way vendor device certificates do. Keys come from node:crypto (fast), the X.509
 * structures from node-forge.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Pem { cert: string; key: string }

function keyPair(): { publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

function baseCert(publicKey: forge.pki.PublicKey, cn: string, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  return cert;
}

export interface TestCa extends Pem {
  /** Issues a certificate signed by this CA. */
  issue(options: { cn: string; server?: boolean; altNames?: Array<{ type: 2 | 6 | 7; value?: string; ip?: string }> }): Pem;
}

export function makeCa(cn = 'Test Device CA'): TestCa {
  const keys = keyPair();
  const ca = baseCert(keys.publicKey, cn, 30);
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]);
  ca.sign(keys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return {
    cert: forge.pki.certificateToPem(ca),
    key: keys.keyPem,
    issue({ cn: subject, server, altNames }) {
      const k = keyPair();
      const cert = baseCert(k.publicKey, subject, 10);
      cert.setIssuer(ca.subject.attributes);
      const extensions: object[] = [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: server === true, clientAuth: server !== true },
      ];
      const names = altNames ?? (server ? [{ type: 2 as const, value: 'localhost' }, { type: 7 as const, ip: '127.0.0.1' }] : []);
      if (names.length > 0) extensions.push({ name: 'subjectAltName', altNames: names });
      cert.setExtensions(extensions);
      cert.sign(keys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
      return { cert: forge.pki.certificateToPem(cert), key: k.keyPem };
    },
  };
}
