// Package dbfmt holds CTDB 4.17's formats for databases, without I/O:
//
//   - the record header (ltdb header) that precedes every value in a TDB
//     file of CTDB: RSN (uint64), dmaster (uint32), a reserved uint32,
//     flags (uint32) and a reserved uint32, 24 bytes in the host's byte
//     order (little endian on the machines we run on);
//   - the database's sequence number: the record "__db_sequence_number__"
//     (with its terminating NUL in the key), whose value after the header
//     is a uint64;
//   - the marshalled record buffer (what ptrans, recovery and backups
//     carry): per record its length, a request id, the key length and the
//     data length (header included), then the key, the header and the data;
//   - the backup file of `ctdb backupdb`: a header (version 3, timestamp,
//     database flags, number of buffers, number of records, the name in
//     64 bytes), then per buffer the database id, the record count, the
//     buffer's length and the marshalled records;
//   - the database id: TDB's Jenkins hash of the name, as CTDB 4.17 computes it;
//   - the text forms of the tool: catdb's record dump and ptrans's input.
//
// Every decoder checks lengths before it reads and names what is wrong.
package dbfmt
