// Package merkle is the durable store of the notary's RFC 6962 Merkle tree:
// every event of the stream, in order, is a record of the tree, and a Tree
// keeps the tree's stored hashes on disk so that tree hashes (roots), record
// (inclusion) proofs and tree (consistency) proofs of any size up to the
// current one can be served at any time.
//
// # File layout
//
// The tree lives in one file, dir/hashes, in the stored-hash layout of
// golang.org/x/mod/sumdb/tlog (Crosby and Wallach's "Efficient Data
// Structures for Tamper-Evident Logging", section 3.3): stored hash index i
// (see [tlog.StoredHashIndex]) is the 32 bytes at offset i*32, with no
// header, no framing and no padding. Record n contributes exactly the stored
// hashes with indexes [tlog.StoredHashCount](n) .. StoredHashCount(n+1)-1,
// the ones [tlog.StoredHashesForRecordHash] returns: its leaf (record) hash,
// then the root of every complete subtree that record n closes. Appending
// records therefore only appends to the file, and a tree of n records is a
// file of exactly StoredHashCount(n)*32 bytes (about 64 bytes a record).
// Bytes once written are never rewritten.
//
// # Writing
//
// A Tree keeps the right edge of the tree (the roots of the at most log₂ n
// complete subtrees that the next records combine with) in memory, so that
// appending a record costs its hashing and no read. New stored hashes go to
// an in-memory buffer that is written to the file in large chunks (once it
// passes about 1 MiB, and on [Tree.Sync]); until then readers are served from
// the buffer. Older hashes are read from the file with ReadAt, nearby ones
// (the lower levels of a proof) in one call. One goroutine appends; any number of goroutines may read
// (ReadHashes, Root, LeafHash, ProveRecord, ProveTree) concurrently with it,
// and they see every record appended so far, written or not.
//
// Only one Tree may have a directory open at a time (across processes too);
// this is not enforced.
//
// # Durability
//
// [Tree.Append] makes records visible, not durable. [Tree.Sync] writes the
// buffer and fsyncs the file; when it returns nil every record appended
// before it is on stable storage and Durable()==Size(). A notary must
// therefore sign a checkpoint only for a size at most Durable(): after a crash
// the tree comes back with at least Durable() records, each with the stored
// hashes it had before the crash.
//
// A failed write or fsync leaves the file in an unknown state, so the Tree
// refuses every later Append and Sync (returning the first error); reads keep
// working from memory and from the part of the file written before the
// failure. Reopen the directory to recover.
//
// # Recovery
//
// [Open] resumes a file written by an earlier run at its size. A crash in the
// middle of a write can leave a torn tail: part of a record's stored hashes,
// or a length that is not a multiple of 32. Open cuts the file back to the
// largest record count n whose StoredHashCount(n)*32 bytes are all present,
// truncating everything beyond, and fsyncs the result, so Durable()==Size()
// after Open. The caller then re-folds the events from record Size() on.
//
// Open checks nothing else: it does not recompute or verify any hash. Beyond
// the last Sync a crash can leave bytes present but wrong (a file system may
// persist a later block of a write before an earlier one, or show unwritten
// blocks as zeros), and that is not detected here. Verifying the recovered tree against the last signed checkpoint (its
// Root at that size, and a tree proof to the current size) is the checkpoint
// component's job.
package merkle
