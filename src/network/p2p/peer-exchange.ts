// Peer advertisement (docs/design.md §1.4: nodes "advertise information about all of the nodes it's
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
import { MAX_ADVERTISED_ADDR_CHARS } from './peer-limits';

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

/** What one advertisement may carry (peer-limits.ts `advertised`). */
export interface AdvertisementLimits {
  peers: number;
  addrs: number;
}

/**
 * Validates a decoded advertisement: at most `limits.peers` peers with valid ids, each with at most
 * `limits.addrs` valid multiaddrs no longer than MAX_ADVERTISED_ADDR_CHARS. `dropped` counts the entries
 * and addresses left out, so a peer that advertises too much shows in the metrics.
 */
export function parsePeerList(
  raw: unknown,
  limits: AdvertisementLimits = { peers: MAX_PEERS, addrs: MAX_ADDRS },
): PeerList & { dropped: number } {
  const list = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<PeerList>;
  const all: unknown[] = Array.isArray(list.peers) ? list.peers : [];
  let dropped = Math.max(0, all.length - limits.peers);
  const peers: AdvertisedPeer[] = [];
  for (const p of all.slice(0, limits.peers) as Partial<AdvertisedPeer>[]) {
    if (typeof p?.id !== 'string' || !Array.isArray(p.addrs)) {
      dropped++;
      continue;
    }
    try {
      peerIdFromString(p.id);
    } catch {
      // One bad entry does not sink the list.
      dropped++;
      continue;
    }
    const addrs: string[] = [];
    for (const a of p.addrs as unknown[]) {
      if (addrs.length >= limits.addrs || typeof a !== 'string' || a.length > MAX_ADVERTISED_ADDR_CHARS) {
        dropped++;
        continue;
      }
      try {
        multiaddr(a);
        addrs.push(a);
      } catch {
        dropped++;
      }
    }
    peers.push({ id: p.id, addrs });
  }
  return { api: typeof list.api === 'string' && list.api.length <= 2048 ? list.api : null, peers, dropped };
}

/** Asks `peer` for its peers; drops malformed entries and what is over `limits`. */
export async function askPeers(
  libp2p: Libp2p,
  peer: PeerId,
  logger: Logger,
  limits?: AdvertisementLimits,
): Promise<(PeerList & { dropped: number }) | undefined> {
  try {
    const stream = await libp2p.dialProtocol(peer, PEERS_PROTOCOL, { signal: AbortSignal.timeout(10_000) });
    const lp = lpStream(stream, { maxDataLength: 256 * 1024 });
    const raw: unknown = JSON.parse(
      new TextDecoder().decode((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray()),
    );
    await stream.close();
    return parsePeerList(raw, limits);
  } catch (error) {
    logger.warn(`p2p: peer exchange with ${peer.toString()} failed: ${(error as Error).message}`);
    return undefined;
  }
}
