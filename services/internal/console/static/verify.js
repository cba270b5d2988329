// Docket console: verify an event's proof bundle in the browser, with the
// browser's own code and nothing the server says.
//
// A proof bundle (events/proof) holds an event's stored bytes, its stream
// sequence, an RFC 6962 inclusion proof and the signed checkpoint of the
// tree the proof is for. verifyBundle checks, with the log's verifier key
// (and optionally witness keys) that the auditor got from elsewhere:
//
//  1. the bundle is well formed (version 1, fields of the right types);
//  2. the checkpoint is a signed note (https://c2sp.org/signed-note)
//     carrying a valid Ed25519 signature by the log key, and no invalid
//     signature by any key the auditor gave; signatures by unknown keys
//     are ignored, as the signed-note specification requires;
//  3. its body is a checkpoint (https://c2sp.org/tlog-checkpoint) for the
//     bundle's tree size;
//  4. at least minWitnesses of the given witness keys cosigned it: a
//     witness key is a C2SP tlog-cosignature/v1 key (key type 0x04,
//     https://c2sp.org/tlog-cosignature), whose timestamped cosignature is
//     an Ed25519 signature of "cosignature/v1\ntime <seconds>\n" and the
//     checkpoint, or an Ed25519 note key (0x01) of an earlier witness,
//     whose signature is a plain one of the checkpoint, as in Go's
//     checkpoint.Open;
//  5. the inclusion proof leads from the event's leaf hash,
//     SHA-256(0x00 || stored bytes), at leaf index sequence-1, to the
//     checkpoint's root hash (RFC 9162, section 2.1.3.2).
//
// It does not decode the event, so the bundle's subject is reported as the
// bundle states it, not vouched for; checking that the checkpoint's origin
// is the expected log, and that it is consistent with other checkpoints,
// is the caller's job (as for proof.Verify in Go).
//
// Everything here is pure logic over WebCrypto (SHA-256, Ed25519): no DOM,
// no network, no dependencies. Errors are VerificationError values whose
// message says, in an auditor's words, which check failed; they never
// repeat a key or the event bytes whole.

/** Size in bytes of a SHA-256 hash, and so of every tree hash. */
export const HASH_SIZE = 32;

/** The only proof bundle format version. */
export const BUNDLE_VERSION = 1;

/** Most hashes an inclusion proof may have (a tree of 2^63 leaves needs 63). */
export const MAX_PROOF_HASHES = 64;

/** Most signature lines a signed note may have, as in Go's note.Open. */
export const MAX_SIGNATURES = 100;

/** Longest NATS subject a bundle may name, as in Go's proof.Parse. */
const MAX_SUBJECT_LENGTH = 1024;

/** Note key algorithm byte of Ed25519 keys. */
const ALG_ED25519 = 1;

/** Key type byte of Ed25519 keys for C2SP tlog-cosignature/v1 (witnesses). */
const ALG_COSIGNATURE_V1 = 4;

/** Size in bytes of a cosignature/v1 timestamp (big-endian seconds). */
const TIMESTAMP_SIZE = 8;

/** Size in bytes of an Ed25519 public key and of a signature. */
const ED25519_PUBLIC_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;

/** Largest int64, the largest checkpoint size Go accepts. */
const MAX_INT64 = (1n << 63n) - 1n;

/** Prefix of every signature line of a signed note: an em dash and a space. */
const SIGNATURE_PREFIX = '\u2014 ';

/** The fields of a version 1 bundle, all required. */
const BUNDLE_FIELDS = ['version', 'sequence', 'subject', 'event', 'tree_size', 'proof', 'checkpoint'];

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const utf8 = new TextEncoder();

/**
 * The error of every failed check. `code` says which check failed, for
 * programs; `message` says it for people.
 *
 * Codes: 'invalid-argument' (a caller's mistake, such as a wrong type),
 * 'invalid-key', 'malformed-bundle', 'malformed-note',
 * 'malformed-checkpoint', 'bad-signature', 'not-signed-by-log',
 * 'tree-size-mismatch', 'too-few-witnesses', 'not-in-tree',
 * 'not-included'.
 */
export class VerificationError extends Error {
  /**
   * @param {string} code which check failed
   * @param {string} message what failed, in words
   */
  constructor(code, message) {
    super(message);
    this.name = 'VerificationError';
    this.code = code;
  }
}

// ---------------------------------------------------------------------------
// Encodings

/**
 * Decodes standard, padded base64 (RFC 4648 section 4). Like Go's
 * base64.StdEncoding, it accepts non-zero bits in the last character's
 * padding; `canonical` in the result says whether there were none.
 *
 * @param {string} s
 * @returns {{bytes: Uint8Array, canonical: boolean} | null} null if s is
 *   not standard padded base64
 */
function decodeBase64(s) {
  if (typeof s !== 'string' || s.length % 4 !== 0) {
    return null;
  }
  let padding = 0;
  if (s.endsWith('==')) {
    padding = 2;
  } else if (s.endsWith('=')) {
    padding = 1;
  }
  const body = s.slice(0, s.length - padding);
  const bytes = new Uint8Array((s.length / 4) * 3 - padding);
  let bits = 0; // the bits read and not yet written, at most 12
  let bitCount = 0;
  let out = 0;
  for (const ch of body) {
    const value = BASE64_ALPHABET.indexOf(ch);
    if (value < 0) {
      return null; // not in the alphabet, or '=' before the end
    }
    bits = (bits << 6) | value;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      bytes[out] = (bits >> bitCount) & 0xff;
      out += 1;
      bits &= (1 << bitCount) - 1;
    }
  }
  return { bytes, canonical: bits === 0 };
}

/**
 * Decodes canonical standard base64, as Go's
 * base64.StdEncoding.Strict() with a re-encoding check.
 *
 * @param {string} s
 * @returns {Uint8Array | null} null if s is not canonical standard base64
 */
function decodeCanonicalBase64(s) {
  const decoded = decodeBase64(s);
  if (decoded === null || !decoded.canonical) {
    return null;
  }
  return decoded.bytes;
}

/**
 * Encodes bytes as standard, padded base64.
 *
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function encodeBase64(bytes) {
  let binary = '';
  for (const b of bytes) {
    binary += String.fromCharCode(b);
  }
  return btoa(binary);
}

/**
 * Encodes bytes as lower-case hexadecimal.
 *
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function encodeHex(bytes) {
  let hex = '';
  for (const b of bytes) {
    hex += b.toString(16).padStart(2, '0');
  }
  return hex;
}

/**
 * Formats a note key hash as Go's %08x does.
 *
 * @param {number} hash
 * @returns {string}
 */
function hashHex(hash) {
  return hash.toString(16).padStart(8, '0');
}

/**
 * Names a key the way auditors see it written: "<name>+<hash>".
 *
 * @param {{name: string, hash: number}} key
 * @returns {string}
 */
function keyLabel(key) {
  return `${key.name}+${hashHex(key.hash)}`;
}

/**
 * Returns whether s, a JavaScript string, holds a lone surrogate: text
 * that is not valid UTF-8 once encoded.
 *
 * @param {string} s
 * @returns {boolean}
 */
function hasLoneSurrogate(s) {
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (cp >= 0xd800 && cp <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/**
 * Concatenates byte arrays.
 *
 * @param {...Uint8Array} parts
 * @returns {Uint8Array}
 */
function concatBytes(...parts) {
  let length = 0;
  for (const p of parts) {
    length += p.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 * @returns {boolean} whether a and b hold the same bytes
 */
function bytesEqual(a, b) {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

/**
 * @param {Uint8Array} data
 * @returns {Promise<Uint8Array>} SHA-256 of data
 */
async function sha256(data) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}

// ---------------------------------------------------------------------------
// Keys

/**
 * Reports why name cannot be a note key name, or null. As in Go's
 * checkpoint package: non-empty, valid Unicode, printable, without white
 * space or '+'.
 *
 * @param {string} name
 * @returns {string | null}
 */
function keyNameProblem(name) {
  if (name === '') {
    return 'the key name is empty';
  }
  if (hasLoneSurrogate(name)) {
    return 'the key name is not valid Unicode';
  }
  if (name.includes('+')) {
    return "the key name contains '+'";
  }
  if (/\p{White_Space}/u.test(name)) {
    return 'the key name contains white space';
  }
  if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S}]+$/u.test(name)) {
    return 'the key name contains a non-printable character';
  }
  return null;
}

/**
 * Whether name may name a signature in a signed note, as Go's note
 * package requires: non-empty, valid Unicode, without white space or '+'.
 *
 * @param {string} name
 * @returns {boolean}
 */
function isValidSignatureName(name) {
  return name !== '' && !hasLoneSurrogate(name) && !name.includes('+') && !/\p{White_Space}/u.test(name);
}

/**
 * Parses a note verifier key "<name>+<hash>+<key>", where hash is 8
 * hexadecimal digits and key the standard base64 of the key type and the
 * 32-byte Ed25519 public key: type 0x01 (an Ed25519 note key, as written
 * by checkpoint.GenerateKey) or 0x04 (a tlog-cosignature/v1 witness key,
 * as written by checkpoint.GenerateWitnessKey).
 * Surrounding white space is ignored.
 *
 * It checks the syntax only: whether hash is the key hash of name and key
 * needs SHA-256, which WebCrypto only does asynchronously; verifyNote and
 * verifyBundle check it.
 *
 * @param {string} vkey
 * @returns {{name: string, hash: number, publicKey: Uint8Array, alg: number}}
 *   hash is an unsigned 32-bit integer; publicKey has 32 bytes; alg is the
 *   key type, 1 or 4
 * @throws {VerificationError} code 'invalid-key', saying what is wrong
 *   without repeating the key
 */
export function parseVerifierKey(vkey) {
  if (typeof vkey !== 'string') {
    throw new VerificationError('invalid-key', 'a verifier key must be a string');
  }
  const key = vkey.trim();
  if (key.startsWith('PRIVATE+')) {
    throw new VerificationError(
      'invalid-key',
      'this is a private (signer) key: give the verifier key <name>+<hash>+<key> instead, and keep the private key secret',
    );
  }
  // The key data is base64, which may itself hold '+': split at the first
  // two only.
  const first = key.indexOf('+');
  const second = first < 0 ? -1 : key.indexOf('+', first + 1);
  if (first < 0 || second < 0) {
    throw new VerificationError('invalid-key', 'a verifier key has the form <name>+<hash>+<key>');
  }
  const name = key.slice(0, first);
  const hash16 = key.slice(first + 1, second);
  const key64 = key.slice(second + 1);
  const nameProblem = keyNameProblem(name);
  if (nameProblem !== null) {
    throw new VerificationError('invalid-key', `verifier key: ${nameProblem}`);
  }
  if (!/^[0-9a-fA-F]{8}$/.test(hash16)) {
    throw new VerificationError('invalid-key', 'verifier key: the key hash is not 8 hexadecimal digits');
  }
  const decoded = decodeBase64(key64);
  if (decoded === null) {
    throw new VerificationError('invalid-key', 'verifier key: the key data is not standard base64');
  }
  const raw = decoded.bytes;
  if (raw.length === 0 || (raw[0] !== ALG_ED25519 && raw[0] !== ALG_COSIGNATURE_V1)) {
    throw new VerificationError(
      'invalid-key',
      'verifier key: not an Ed25519 note key or cosignature/v1 key (its key data must start with the byte 0x01 or 0x04)',
    );
  }
  if (raw.length !== 1 + ED25519_PUBLIC_KEY_SIZE) {
    throw new VerificationError(
      'invalid-key',
      `verifier key: the key data has ${raw.length} bytes, want ${1 + ED25519_PUBLIC_KEY_SIZE}`,
    );
  }
  return { name, hash: Number.parseInt(hash16, 16) >>> 0, publicKey: raw.slice(1), alg: raw[0] };
}

/**
 * Computes the note key hash of an Ed25519 key: the first 4 bytes,
 * big-endian, of SHA-256(name || "\n" || key type || public key), the key
 * type being 0x01 (a note key) or 0x04 (a cosignature/v1 key).
 *
 * @param {string} name
 * @param {Uint8Array} publicKey
 * @param {number} [alg] the key type, 0x01 unless given
 * @returns {Promise<number>} an unsigned 32-bit integer
 */
export async function keyHash(name, publicKey, alg = ALG_ED25519) {
  const sum = await sha256(concatBytes(utf8.encode(`${name}\n`), Uint8Array.of(alg), publicKey));
  return new DataView(sum.buffer).getUint32(0, false);
}

/**
 * Parses a verifier key (a string, or the result of parseVerifierKey),
 * checks its key hash and imports it into WebCrypto.
 *
 * @param {string | {name: string, hash: number, publicKey: Uint8Array, alg?: number}} vkey
 * @returns {Promise<{name: string, hash: number, publicKey: Uint8Array, alg: number, cryptoKey: CryptoKey}>}
 * @throws {VerificationError} code 'invalid-key'
 */
async function importVerifierKey(vkey) {
  let key;
  if (typeof vkey === 'string') {
    key = parseVerifierKey(vkey);
  } else if (
    vkey !== null &&
    typeof vkey === 'object' &&
    typeof vkey.name === 'string' &&
    Number.isInteger(vkey.hash) &&
    vkey.publicKey instanceof Uint8Array &&
    vkey.publicKey.length === ED25519_PUBLIC_KEY_SIZE &&
    (vkey.alg === undefined || vkey.alg === ALG_ED25519 || vkey.alg === ALG_COSIGNATURE_V1)
  ) {
    key = { name: vkey.name, hash: vkey.hash >>> 0, publicKey: vkey.publicKey, alg: vkey.alg ?? ALG_ED25519 };
  } else {
    throw new VerificationError('invalid-key', 'a verifier key must be a string <name>+<hash>+<key>');
  }
  if ((await keyHash(key.name, key.publicKey, key.alg)) !== key.hash) {
    throw new VerificationError(
      'invalid-key',
      `verifier key ${keyLabel(key)}: the key hash does not match the key (a corrupted or mistyped key?)`,
    );
  }
  let cryptoKey;
  try {
    cryptoKey = await crypto.subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    throw new VerificationError('invalid-key', `verifier key ${keyLabel(key)}: not a valid Ed25519 public key`);
  }
  return { ...key, cryptoKey };
}

// ---------------------------------------------------------------------------
// Signed notes

/**
 * Parses a signed note (https://c2sp.org/signed-note): its text, which
 * ends with a newline, a blank line, and signature lines
 * "— <key name> <base64(4-byte big-endian key hash || signature)>", each
 * ending with a newline. It verifies, with Ed25519, every signature whose
 * key name and hash match one of verifierKeys — of the text itself for an
 * Ed25519 note key (0x01); for a cosignature/v1 key (0x04), the signature
 * is an 8-byte big-endian timestamp and the Ed25519 signature of
 * "cosignature/v1\ntime <timestamp>\n" and the text, and a timestamp above
 * 2^63-1 does not verify — and lists the others as
 * unknown. As in Go's note.Open: the note must be valid Unicode without
 * control characters other than newline, have at most 100 signatures, and
 * only the first signature by a given key counts.
 *
 * A note with no verified signature is not an error here: check
 * `verified` for the keys you require.
 *
 * @param {string} noteText the whole signed note
 * @param {Array<string | {name: string, hash: number, publicKey: Uint8Array}>} verifierKeys
 *   verifier keys "<name>+<hash>+<key>", or parseVerifierKey results
 * @returns {Promise<{text: string, verified: Array<{name: string, hash: number}>, unknown: string[]}>}
 *   text is the signed text (ending with a newline); verified lists the
 *   keys whose signature verified, in note order; unknown the names of
 *   signers matching no given key, each once, in note order
 * @throws {VerificationError} 'malformed-note' if the note is not well
 *   formed; 'invalid-key' if a key is; 'bad-signature' if a signature by
 *   a given key does not verify (the error then has keyName and keyHash)
 */
export async function verifyNote(noteText, verifierKeys) {
  if (typeof noteText !== 'string') {
    throw new VerificationError('malformed-note', 'the signed note must be text');
  }
  if (!Array.isArray(verifierKeys)) {
    throw new VerificationError('invalid-argument', 'verifierKeys must be an array of verifier keys');
  }
  const keys = [];
  for (const vkey of verifierKeys) {
    const key = await importVerifierKey(vkey);
    const same = keys.find((k) => k.name === key.name && k.hash === key.hash);
    if (same === undefined) {
      keys.push(key);
    } else if (!bytesEqual(same.publicKey, key.publicKey)) {
      throw new VerificationError(
        'invalid-key',
        `two different verifier keys have the same name and hash ${keyLabel(key)}`,
      );
    }
  }

  for (const ch of noteText) {
    const cp = ch.codePointAt(0);
    if (cp < 0x20 && cp !== 0x0a) {
      throw new VerificationError('malformed-note', 'the signed note has a control character');
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      throw new VerificationError('malformed-note', 'the signed note is not valid Unicode text');
    }
  }
  const split = noteText.lastIndexOf('\n\n');
  if (split < 0) {
    throw new VerificationError('malformed-note', 'the signed note has no blank line between its text and its signatures');
  }
  const text = noteText.slice(0, split + 1);
  const block = noteText.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) {
    throw new VerificationError('malformed-note', 'the signed note has no signature lines, or its last line does not end with a newline');
  }
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) {
    throw new VerificationError('malformed-note', `the signed note has ${lines.length} signature lines, more than ${MAX_SIGNATURES}`);
  }

  const message = utf8.encode(text);
  const verified = [];
  const unknown = [];
  for (const [i, line] of lines.entries()) {
    const lineNumber = i + 1;
    if (!line.startsWith(SIGNATURE_PREFIX)) {
      throw new VerificationError('malformed-note', `signature line ${lineNumber} does not start with "${SIGNATURE_PREFIX}"`);
    }
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const b64 = space < 0 ? '' : rest.slice(space + 1);
    const decoded = decodeBase64(b64);
    if (!isValidSignatureName(name) || b64 === '' || decoded === null || decoded.bytes.length < 5) {
      throw new VerificationError('malformed-note', `signature line ${lineNumber} is not "${SIGNATURE_PREFIX}<key name> <base64 signature>"`);
    }
    const sig = decoded.bytes;
    const hash = new DataView(sig.buffer).getUint32(0, false);
    const key = keys.find((k) => k.name === name && k.hash === hash);
    if (key === undefined) {
      if (!unknown.includes(name)) {
        unknown.push(name);
      }
      continue;
    }
    if (verified.some((v) => v.name === name && v.hash === hash)) {
      continue; // only the first signature by a key counts, as in Go
    }
    let signature = sig.slice(4);
    let signed = message;
    let ok = false;
    if (key.alg === ALG_COSIGNATURE_V1) {
      if (signature.length === TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE) {
        const timestamp = new DataView(signature.buffer, signature.byteOffset).getBigUint64(0, false);
        signed = timestamp <= MAX_INT64 ? concatBytes(utf8.encode(`cosignature/v1\ntime ${timestamp}\n`), message) : null;
        signature = signature.slice(TIMESTAMP_SIZE);
      } else {
        signed = null;
      }
    }
    if (signed !== null && signature.length === ED25519_SIGNATURE_SIZE) {
      try {
        ok = await crypto.subtle.verify({ name: 'Ed25519' }, key.cryptoKey, signature, signed);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      const err = new VerificationError(
        'bad-signature',
        `the signature by the key ${keyLabel(key)} does not verify: the signed text or the signature was altered`,
      );
      err.keyName = key.name;
      err.keyHash = key.hash;
      throw err;
    }
    verified.push({ name, hash });
  }
  return { text, verified, unknown };
}

// ---------------------------------------------------------------------------
// Checkpoints

/**
 * Parses a checkpoint body (https://c2sp.org/tlog-checkpoint), the text of
 * its signed note: "<origin>\n<size>\n<base64 root hash>\n", then optional
 * extension lines, which are checked and ignored. As strict as Go's
 * checkpoint.Parse: the origin must be non-empty printable ASCII without
 * leading or trailing space; the size decimal digits without sign or
 * leading zero that fit a signed 64-bit integer; the root hash canonical
 * standard base64 of 32 bytes; extension lines non-empty, without control
 * characters; and the text must end with a newline.
 *
 * @param {string} text
 * @returns {{origin: string, size: bigint, root: Uint8Array}} size is a
 *   BigInt, exact up to 2^63-1 (convert with Number(size) only below
 *   Number.MAX_SAFE_INTEGER); root has 32 bytes
 * @throws {VerificationError} code 'malformed-checkpoint', naming the line
 */
export function parseCheckpoint(text) {
  const fail = (reason) => new VerificationError('malformed-checkpoint', `malformed checkpoint: ${reason}`);
  if (typeof text !== 'string') {
    throw fail('not text');
  }
  if (text === '') {
    throw fail('empty text');
  }
  if (!text.endsWith('\n')) {
    throw fail('the text does not end with a newline');
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) {
    throw fail(`${lines.length} lines, want at least 3 (origin, size, root hash)`);
  }

  const origin = lines[0];
  if (origin === '') {
    throw fail('origin line: is empty');
  }
  for (let i = 0; i < origin.length; i++) {
    const c = origin.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      throw fail(`origin line: has a character at position ${i} that is not printable ASCII`);
    }
  }
  if (origin.startsWith(' ') || origin.endsWith(' ')) {
    throw fail('origin line: has a leading or trailing space');
  }

  const sizeLine = lines[1];
  if (sizeLine === '') {
    throw fail('size line: is empty');
  }
  if (!/^[0-9]+$/.test(sizeLine)) {
    throw fail('size line: is not a decimal number (digits only, no sign)');
  }
  if (sizeLine.length > 1 && sizeLine.startsWith('0')) {
    throw fail('size line: has a leading zero');
  }
  const size = BigInt(sizeLine);
  if (size > MAX_INT64) {
    throw fail('size line: does not fit in a signed 64-bit integer');
  }

  const decoded = decodeBase64(lines[2]);
  if (decoded === null) {
    throw fail('root hash line: not standard base64');
  }
  if (decoded.bytes.length !== HASH_SIZE) {
    throw fail(`root hash line: ${decoded.bytes.length} bytes, want ${HASH_SIZE}`);
  }
  if (!decoded.canonical) {
    throw fail('root hash line: not canonical base64');
  }

  for (const [i, ext] of lines.slice(3).entries()) {
    const where = `extension line ${i + 1}`;
    if (ext === '') {
      throw fail(`${where}: is empty`);
    }
    if (hasLoneSurrogate(ext)) {
      throw fail(`${where}: is not valid UTF-8`);
    }
    for (const ch of ext) {
      if (ch.codePointAt(0) < 0x20) {
        throw fail(`${where}: has a control character`);
      }
    }
  }
  return { origin, size, root: decoded.bytes };
}

// ---------------------------------------------------------------------------
// Inclusion proofs

/**
 * Converts a tree size or leaf index (a Number that is a safe integer, or
 * a BigInt) to a BigInt.
 *
 * @param {number | bigint} value
 * @param {string} what the argument's name, for the error
 * @returns {bigint}
 */
function toBigInt(value, what) {
  if (typeof value === 'bigint') {
    return value;
  }
  if (Number.isSafeInteger(value)) {
    return BigInt(value);
  }
  throw new VerificationError('invalid-argument', `${what} must be an integer (a safe-integer Number or a BigInt)`);
}

/**
 * Checks that a value is a 32-byte hash.
 *
 * @param {unknown} value
 * @param {string} what its name, for the error
 */
function checkHash(value, what) {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) {
    throw new VerificationError('invalid-argument', `${what} must be a Uint8Array of ${HASH_SIZE} bytes`);
  }
}

/**
 * The RFC 6962 leaf hash of stored event bytes: SHA-256(0x00 || leaf).
 *
 * @param {Uint8Array} leafBytes
 * @returns {Promise<Uint8Array>}
 */
export async function leafHash(leafBytes) {
  return sha256(concatBytes(Uint8Array.of(0x00), leafBytes));
}

/**
 * The RFC 6962 hash of an interior node: SHA-256(0x01 || left || right).
 *
 * @param {Uint8Array} left
 * @param {Uint8Array} right
 * @returns {Promise<Uint8Array>}
 */
async function nodeHash(left, right) {
  return sha256(concatBytes(Uint8Array.of(0x01), left, right));
}

/**
 * Checks an RFC 6962 inclusion proof with the algorithm of RFC 9162,
 * section 2.1.3.2: that leafBytes, hashed as SHA-256(0x00 || leafBytes),
 * is the leaf at index in the tree of treeSize leaves whose root hash is
 * root. proofHashes are ordered from the leaf's sibling up to the root's
 * child, as golang.org/x/mod/sumdb/tlog.ProveRecord returns them; the
 * result agrees with tlog.CheckRecord.
 *
 * @param {Uint8Array} leafBytes the leaf's data (the event's stored bytes)
 * @param {number | bigint} index the leaf index, from 0 (stream sequence - 1)
 * @param {number | bigint} treeSize the number of leaves in the tree
 * @param {Uint8Array[]} proofHashes 32-byte hashes
 * @param {Uint8Array} root the tree's 32-byte root hash
 * @returns {Promise<true>}
 * @throws {VerificationError} 'not-in-tree' if index is not below
 *   treeSize; 'not-included' if the proof does not lead to root;
 *   'invalid-argument' for arguments of the wrong type
 */
export async function verifyInclusion(leafBytes, index, treeSize, proofHashes, root) {
  if (!(leafBytes instanceof Uint8Array)) {
    throw new VerificationError('invalid-argument', 'leafBytes must be a Uint8Array');
  }
  const leafIndex = toBigInt(index, 'index');
  const size = toBigInt(treeSize, 'treeSize');
  if (!Array.isArray(proofHashes)) {
    throw new VerificationError('invalid-argument', 'proofHashes must be an array');
  }
  proofHashes.forEach((h, i) => checkHash(h, `proofHashes[${i}]`));
  checkHash(root, 'root');
  if (leafIndex < 0n || size < 0n || leafIndex >= size) {
    throw new VerificationError('not-in-tree', `leaf index ${leafIndex} is not in a tree of ${size} leaves`);
  }

  // fn walks up from the leaf, sn from the last leaf; the proof is
  // complete when sn reaches 0, the root.
  let fn = leafIndex;
  let sn = size - 1n;
  let r = await leafHash(leafBytes);
  let complete = true;
  for (const p of proofHashes) {
    if (sn === 0n) {
      complete = false; // more hashes than the path has levels
      break;
    }
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        // fn is a left child with no right sibling at this level: skip up
        // to the level where it has a sibling on its left.
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (!complete || sn !== 0n || !bytesEqual(r, root)) {
    throw new VerificationError('not-included', 'the inclusion proof does not lead to the root hash');
  }
  return true;
}

// ---------------------------------------------------------------------------
// Bundles

/**
 * Reports why s cannot be the NATS subject of a stored event, or null, as
 * Go's proof.Parse does.
 *
 * @param {string} s
 * @returns {string | null}
 */
function subjectProblem(s) {
  if (s === '') {
    return 'is empty';
  }
  if (s.length > MAX_SUBJECT_LENGTH) {
    return `is longer than ${MAX_SUBJECT_LENGTH} characters`;
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c > 0x7e) {
      return `has a character at position ${i} that is not printable ASCII without spaces`;
    }
  }
  if (s.startsWith('.') || s.endsWith('.') || s.includes('..')) {
    return 'has an empty token';
  }
  if (s.includes('*') || s.includes('>')) {
    return 'has a wildcard';
  }
  return null;
}

/**
 * Reads an integer field of a bundle: a safe-integer Number (as
 * JSON.parse returns it) or a BigInt (from a lossless JSON parser) no
 * larger than Number.MAX_SAFE_INTEGER.
 *
 * @param {unknown} value
 * @param {string} field
 * @returns {number}
 */
function bundleInteger(value, field) {
  const fail = (reason) => new VerificationError('malformed-bundle', `the bundle's ${field} ${reason}`);
  if (typeof value === 'bigint') {
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw fail('is out of the range this verifier reads (0 to 2^53-1)');
    }
    return Number(value);
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw fail('is not an integer');
  }
  if (!Number.isSafeInteger(value)) {
    throw fail('is too large to read exactly (above 2^53-1)');
  }
  return value;
}

/**
 * Checks a parsed bundle's form, as Go's proof.Parse does, and decodes
 * it.
 *
 * @param {unknown} bundle
 * @returns {{sequence: number, subject: string, event: Uint8Array, treeSize: number, proof: Uint8Array[], checkpoint: string}}
 * @throws {VerificationError} code 'malformed-bundle', naming the field
 */
function readBundle(bundle) {
  const fail = (reason) => new VerificationError('malformed-bundle', `the bundle ${reason}`);
  const failField = (field, reason) => new VerificationError('malformed-bundle', `the bundle's ${field} ${reason}`);
  if (bundle === null || typeof bundle !== 'object' || Array.isArray(bundle)) {
    throw fail('is not a JSON object');
  }
  for (const field of Object.keys(bundle)) {
    if (!BUNDLE_FIELDS.includes(field)) {
      const shown = field.length > 64 ? `${field.slice(0, 64)}...` : field;
      throw fail(`has an unknown field ${JSON.stringify(shown)}`);
    }
  }
  for (const field of BUNDLE_FIELDS) {
    if (!Object.hasOwn(bundle, field)) {
      throw fail(`has no ${field} field`);
    }
  }

  if (bundle.version !== BUNDLE_VERSION) {
    if (typeof bundle.version === 'number' && Number.isSafeInteger(bundle.version)) {
      throw failField('version', `is ${bundle.version}; this verifier reads version ${BUNDLE_VERSION}`);
    }
    throw failField('version', `is not the integer ${BUNDLE_VERSION}`);
  }
  const sequence = bundleInteger(bundle.sequence, 'sequence');
  const treeSize = bundleInteger(bundle.tree_size, 'tree_size');
  if (sequence < 1) {
    throw failField('sequence', 'is 0; stream sequences start at 1');
  }
  if (treeSize < 1) {
    throw failField('tree_size', 'is 0; a tree holding the event has at least 1 leaf');
  }
  if (sequence > treeSize) {
    throw failField('sequence', `${sequence} is beyond its tree_size ${treeSize}`);
  }

  if (typeof bundle.subject !== 'string') {
    throw failField('subject', 'is not a string');
  }
  const subjectIssue = subjectProblem(bundle.subject);
  if (subjectIssue !== null) {
    throw failField('subject', subjectIssue);
  }

  if (typeof bundle.event !== 'string') {
    throw failField('event', 'is not a base64 string');
  }
  const event = decodeCanonicalBase64(bundle.event);
  if (event === null) {
    throw failField('event', 'is not canonical standard base64');
  }
  if (event.length === 0) {
    throw failField('event', 'is empty');
  }

  if (!Array.isArray(bundle.proof)) {
    throw failField('proof', 'is not an array of base64 strings');
  }
  if (bundle.proof.length > MAX_PROOF_HASHES) {
    throw failField('proof', `has ${bundle.proof.length} hashes, more than ${MAX_PROOF_HASHES}`);
  }
  const proof = bundle.proof.map((h, i) => {
    const raw = typeof h === 'string' ? decodeCanonicalBase64(h) : null;
    if (raw === null) {
      throw failField(`proof[${i}]`, 'is not canonical standard base64');
    }
    if (raw.length !== HASH_SIZE) {
      throw failField(`proof[${i}]`, `has ${raw.length} bytes, want ${HASH_SIZE}`);
    }
    return raw;
  });

  if (typeof bundle.checkpoint !== 'string' || bundle.checkpoint === '') {
    throw failField('checkpoint', 'is not a non-empty string');
  }
  return { sequence, subject: bundle.subject, event, treeSize, proof, checkpoint: bundle.checkpoint };
}

/**
 * Verifies a proof bundle offline: that the event it holds is in the log
 * whose verifier key is logKey, at the bundle's sequence, under a
 * checkpoint the log signed and, if minWitnesses > 0, that many of the
 * given witnesses cosigned. See the top of this file for the checks, in
 * order.
 *
 * @param {object} bundle the bundle's JSON, parsed (JSON.parse)
 * @param {string} logKey the log's verifier key "<name>+<hash>+<key>"
 * @param {string[]} [witnessKeys] witnesses' verifier keys; a key equal
 *   to the log key or to an earlier one is skipped
 * @param {number} [minWitnesses] how many of witnessKeys must have
 *   cosigned the checkpoint
 * @returns {Promise<{ok: true, origin: string, treeSize: number, sequence: number,
 *   subject: string, leafHash: string, root: string, logKeyName: string,
 *   logKeyHash: string, witnesses: string[], unknown: string[]}>}
 *   leafHash is hexadecimal, root base64, logKeyHash 8 hexadecimal
 *   digits; witnesses are the names of the given witness keys whose
 *   cosignatures verified, sorted, each once; unknown the names of
 *   signers matching no given key (ignored); subject is as the bundle
 *   states it, not checked against the event
 * @throws {VerificationError} whose message says which check failed
 */
export async function verifyBundle(bundle, logKey, witnessKeys = [], minWitnesses = 0) {
  if (!Array.isArray(witnessKeys)) {
    throw new VerificationError('invalid-argument', 'witnessKeys must be an array of verifier keys');
  }
  if (!Number.isSafeInteger(minWitnesses) || minWitnesses < 0) {
    throw new VerificationError('invalid-argument', 'minWitnesses must be a whole number, 0 or more');
  }
  const b = readBundle(bundle);

  let log;
  try {
    log = await importVerifierKey(logKey);
  } catch (err) {
    throw new VerificationError('invalid-key', `the log key is not valid: ${err.message}`);
  }
  if (log.alg !== ALG_ED25519) {
    throw new VerificationError(
      'invalid-key',
      'the log key is a witness\'s cosignature/v1 key (0x04); the log signs with an Ed25519 note key (0x01)',
    );
  }
  const witnesses = [];
  for (const [i, vkey] of witnessKeys.entries()) {
    let w;
    try {
      w = await importVerifierKey(vkey);
    } catch (err) {
      throw new VerificationError('invalid-key', `witness key ${i + 1} is not valid: ${err.message}`);
    }
    const seen = [log, ...witnesses].some((k) => k.name === w.name && k.hash === w.hash);
    if (!seen) {
      witnesses.push(w);
    }
  }
  const isLog = (k) => k.name === log.name && k.hash === log.hash;

  let note;
  try {
    note = await verifyNote(b.checkpoint, [log, ...witnesses]);
  } catch (err) {
    if (err.code === 'bad-signature') {
      const who = isLog({ name: err.keyName, hash: err.keyHash })
        ? `the log key ${keyLabel(log)}`
        : `the witness key ${keyLabel({ name: err.keyName, hash: err.keyHash })}`;
      throw new VerificationError(
        'bad-signature',
        `the checkpoint's signature by ${who} does not verify: the checkpoint or the signature was altered`,
      );
    }
    if (err.code === 'malformed-note') {
      throw new VerificationError('malformed-note', `the checkpoint is not a well-formed signed note: ${err.message}`);
    }
    throw err;
  }
  if (!note.verified.some(isLog)) {
    throw new VerificationError('not-signed-by-log', `the checkpoint is not signed by the log key ${keyLabel(log)}`);
  }

  let cp;
  try {
    cp = parseCheckpoint(note.text);
  } catch (err) {
    throw new VerificationError('malformed-checkpoint', `the signed checkpoint is not well formed: ${err.message}`);
  }
  if (cp.size !== BigInt(b.treeSize)) {
    throw new VerificationError(
      'tree-size-mismatch',
      `the checkpoint's tree size ${cp.size} differs from the bundle's ${b.treeSize}`,
    );
  }

  const cosigners = [...new Set(note.verified.filter((k) => !isLog(k)).map((k) => k.name))].sort();
  if (cosigners.length < minWitnesses) {
    throw new VerificationError(
      'too-few-witnesses',
      `only ${cosigners.length} of the required ${minWitnesses} witness cosignatures (by the witness keys given)`,
    );
  }

  try {
    await verifyInclusion(b.event, b.sequence - 1, b.treeSize, b.proof, cp.root);
  } catch (err) {
    if (err.code === 'not-included') {
      throw new VerificationError(
        'not-included',
        `the inclusion proof does not lead to the checkpoint's root: the event is not shown to be at sequence ${b.sequence} ` +
          `of the tree of ${b.treeSize} leaves (the event, its sequence, the proof or the checkpoint was altered)`,
      );
    }
    throw err;
  }

  return {
    ok: true,
    origin: cp.origin,
    treeSize: b.treeSize,
    sequence: b.sequence,
    subject: b.subject,
    leafHash: encodeHex(await leafHash(b.event)),
    root: encodeBase64(cp.root),
    logKeyName: log.name,
    logKeyHash: hashHex(log.hash),
    witnesses: cosigners,
    unknown: note.unknown,
  };
}
