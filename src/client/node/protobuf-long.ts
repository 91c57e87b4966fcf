// protobufjs finds `long` (its uint64 type) through a dynamic require that a bundled worker thread cannot follow
// (invite-pool.ts bundles its worker): this hands it the class before any generated message type is defined.
import protobuf from 'protobufjs/minimal.js';
import Long from 'long';

protobuf.util.Long = Long;
protobuf.configure();
