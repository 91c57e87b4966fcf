// ENS names and avatars for peers (issue #16 item 4), resolved in the worker over the Ethereum JSON-RPC URL the
// user chose, with viem (namehash, normalisation, ABI encoding of the eth_calls). The classic resolution path:
// the registry names each node's resolver; an address's primary name is the reverse record's `name()`, shown only
// if the name resolves forward (`addr()`) to the same address; the avatar is the name's `avatar` text record
// (ENSIP-12: https, ipfs:// through a gateway, data: images). Names served by wildcard or offchain (CCIP)
// resolvers are not followed.
import { createPublicClient, getAddress, http, parseAbi, type Address, type PublicClient } from 'viem';
import { namehash, normalize } from 'viem/ens';

/** The ENS registry on Ethereum mainnet (the same address on its testnets). */
export const ENS_REGISTRY = '0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e';

const REGISTRY_ABI = parseAbi(['function resolver(bytes32 node) view returns (address)']);
const RESOLVER_ABI = parseAbi([
  'function addr(bytes32 node) view returns (address)',
  'function name(bytes32 node) view returns (string)',
  'function text(bytes32 node, string key) view returns (string)',
]);
const ZERO = '0x0000000000000000000000000000000000000000';

export interface EnsConfig {
  rpcUrl: string;
  /** The registry contract (default: mainnet's). */
  registry?: string;
  /** ipfs:// avatars are fetched through this gateway (`https://…/ipfs/`). */
  ipfsGateway: string;
  fetch: typeof fetch;
}

/** A peer's verified primary name, and where its avatar is (an https or data: URL), when it has them. */
export interface EnsProfile {
  name?: string;
  avatarUrl?: string;
}

export interface EnsLookup {
  /** The verified primary name and avatar of an address (empty when it has none). */
  profile(address: string): Promise<EnsProfile>;
  /** The address a name resolves to, or undefined. Throws for a name that is not valid ENS. */
  address(name: string): Promise<string | undefined>;
}

export function createEnsLookup(config: EnsConfig): EnsLookup {
  const client: PublicClient = createPublicClient({
    transport: http(config.rpcUrl, {
      fetchFn: (input, init) => config.fetch(input, init),
      timeout: 10_000,
      retryCount: 1,
    }),
  });
  const registry = getAddress(config.registry ?? ENS_REGISTRY);

  async function resolverOf(node: `0x${string}`): Promise<Address | undefined> {
    const resolver = await client.readContract({
      address: registry,
      abi: REGISTRY_ABI,
      functionName: 'resolver',
      args: [node],
    });
    return resolver === ZERO ? undefined : resolver;
  }

  async function forward(
    name: string,
  ): Promise<{ node: `0x${string}`; resolver: Address; address?: string }> {
    const node = namehash(name);
    const resolver = await resolverOf(node);
    if (!resolver) return { node, resolver: ZERO };
    const address = await client.readContract({
      address: resolver,
      abi: RESOLVER_ABI,
      functionName: 'addr',
      args: [node],
    });
    return { node, resolver, ...(address !== ZERO ? { address } : {}) };
  }

  return {
    async profile(address) {
      const wallet = getAddress(address);
      const reverseNode = namehash(`${wallet.slice(2).toLowerCase()}.addr.reverse`);
      const reverseResolver = await resolverOf(reverseNode);
      if (!reverseResolver) return {};
      const claimed = await client.readContract({
        address: reverseResolver,
        abi: RESOLVER_ABI,
        functionName: 'name',
        args: [reverseNode],
      });
      let name: string;
      try {
        name = normalize(claimed);
      } catch {
        return {}; // not a valid ENS name: not shown
      }
      if (!name || name !== claimed) return {};
      // Anyone can claim any name in their own reverse record: only one that points back is theirs.
      const { node, resolver, address: owner } = await forward(name);
      if (!owner || getAddress(owner) !== wallet) return {};
      const avatar = await client
        .readContract({ address: resolver, abi: RESOLVER_ABI, functionName: 'text', args: [node, 'avatar'] })
        .catch(() => '');
      const avatarUrl = avatarLocation(avatar, config.ipfsGateway);
      return { name, ...(avatarUrl ? { avatarUrl } : {}) };
    },
    async address(name) {
      const { address } = await forward(normalize(name));
      return address ? getAddress(address) : undefined;
    },
  };
}

/**
 * Where an ENSIP-12 avatar record's image is: https URLs as they are, ipfs://CID[/path] through the gateway, data:
 * URLs of raster images. NFT references (eip155:…) and anything else: none.
 */
export function avatarLocation(record: string, ipfsGateway: string): string | undefined {
  const value = record.trim();
  if (/^https:\/\/\S+$/i.test(value)) return value;
  const ipfs = /^ipfs:\/\/(?:ipfs\/)?([A-Za-z0-9]+(?:\/\S*)?)$/.exec(value);
  if (ipfs) return `${ipfsGateway.replace(/\/+$/, '')}/${ipfs[1]}`;
  if (/^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/i.test(value)) return value;
  return undefined;
}
