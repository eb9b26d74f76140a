/**
 * go-plugin's AutoMTLS from the provider's side: the host passes its own certificate in
 * PLUGIN_CLIENT_CERT; the provider makes a fresh self-signed certificate for `localhost`
 * (ECDSA P-256, a CA for both client and server use, as go-plugin's own), serves TLS 1.2+
 * with it, and accepts only clients that present the host's certificate. Without
 * PLUGIN_CLIENT_CERT (TF_DISABLE_PLUGIN_TLS, a reattached debug session) it serves plain gRPC.
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import type { ServerCredentials } from "@grpc/grpc-js";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
  /** The certificate's DER bytes (printed in the handshake line). */
  der: Uint8Array;
}

/** A self-signed certificate for `localhost`, valid from a minute ago for 30 days. */
export async function makeCertificate(now = Date.now()): Promise<ServerCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString("hex")
      .replace(/^[89a-f]/, "1"),
    name: "CN=localhost, O=agentalias",
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 30 * 24 * 3_600_000),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment |
          x509.KeyUsageFlags.keyCertSign,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "localhost" }]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  const keyPem = x509.PemConverter.encode(pkcs8, "PRIVATE KEY");
  return { certPem: cert.toString("pem"), keyPem, der: new Uint8Array(cert.rawData) };
}

/** The server's credentials: mutual TLS against the host's certificate, or none without one. */
export function serverCredentials(
  grpc: { ServerCredentials: typeof ServerCredentials },
  clientCertPem: string | undefined,
  cert: ServerCertificate | undefined,
): ServerCredentials {
  if (!clientCertPem || !cert) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    Buffer.from(clientCertPem),
    [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }],
    true,
  );
}
