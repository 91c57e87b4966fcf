// Peer advertisement (seeds/network-layer.md: nodes "advertise information about all of the nodes it's
// connected to, enabling newly joined nodes to connect to other nodes"). A small protocol rather than
// gossipsub's PX, which only runs on mesh pruning and needs signed peer records: on every new connection
// a node asks the peer for the peers it is connected to, and dials those it is not.
//
// The responder writes one length-prefixed JSON frame and closes:
//   {"api": "<its HTTP API URL or null>", "peers": [{"id": "<peer id>", "addrs": ["<multiaddr>", …]}, …]}
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { lpStream } from 'it-length-prefixed-stream';
import type { Logger } from '@/network/http/handler';

export const PEERS_PROTOCOL = '/xmtp-inbox/peers/1.0.0';

/** Peers listed per answer at most, and addresses per peer. */
const MAX_PEERS = 200;
const MAX_ADDRS = 8;

export interface AdvertisedPeer {
  id: string;
  addrs: string[];
}

export interface PeerList {
  api: string | null;
  peers: AdvertisedPeer[];
}

/** The connected peers and the addresses they listen on (from identify), for an answer or GET /peers. */
export async function connectedPeers(libp2p: Libp2p): Promise<AdvertisedPeer[]> {
  const out: AdvertisedPeer[] = [];
  for (const peerId of libp2p.getPeers().slice(0, MAX_PEERS)) {
    let addrs: string[] = [];
    try {
      const peer = await libp2p.peerStore.get(peerId);
      addrs = peer.addresses.map((a) => a.multiaddr.toString()).slice(0, MAX_ADDRS);
    } catch {
      // Not identified yet: no listen addresses known.
    }
    out.push({ id: peerId.toString(), addrs });
  }
  return out;
}

export async function servePeers(stream: Stream, libp2p: Libp2p, api: string | null): Promise<void> {
  const lp = lpStream(stream);
  const answer: PeerList = { api, peers: await connectedPeers(libp2p) };
  await lp.write(new TextEncoder().encode(JSON.stringify(answer)));
  await stream.close();
}

/** Asks `peer` for its peers; drops malformed entries. */
export async function askPeers(libp2p: Libp2p, peer: PeerId, logger: Logger): Promise<PeerList | undefined> {
  try {
    const stream = await libp2p.dialProtocol(peer, PEERS_PROTOCOL, { signal: AbortSignal.timeout(10_000) });
    const lp = lpStream(stream, { maxDataLength: 256 * 1024 });
    const raw = JSON.parse(new TextDecoder().decode((await lp.read()).subarray())) as Partial<PeerList>;
    await stream.close();
    const peers: AdvertisedPeer[] = [];
    for (const p of Array.isArray(raw.peers) ? raw.peers.slice(0, MAX_PEERS) : []) {
      if (typeof p?.id !== 'string' || !Array.isArray(p.addrs)) continue;
      try {
        peerIdFromString(p.id);
        const addrs = p.addrs.filter((a): a is string => typeof a === 'string').slice(0, MAX_ADDRS);
        for (const a of addrs) multiaddr(a);
        peers.push({ id: p.id, addrs });
      } catch {
        // One bad entry does not sink the list.
      }
    }
    return { api: typeof raw.api === 'string' ? raw.api : null, peers };
  } catch (error) {
    logger.warn(`p2p: peer exchange with ${peer.toString()} failed: ${(error as Error).message}`);
    return undefined;
  }
}
