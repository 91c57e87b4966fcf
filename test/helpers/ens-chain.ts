// A real local Ethereum chain for the ENS tests: ganache on a free port, the contracts of
// test/fixtures/ens/ens.sol compiled with solc-js and deployed, and helpers that set the records a name and an
// address would have on mainnet (forward addr, reverse name, avatar text). Every lookup then is a real eth_call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ganache from 'ganache';
import solc from 'solc';
import {
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  toHex,
  type Abi,
  type Address,
  type Hex,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { namehash } from 'viem/ens';

export interface EnsChain {
  rpcUrl: string;
  registry: Address;
  /** Gives `name` (e.g. alice.eth) to `owner` and points it at `address` (default: owner). */
  register(name: string, owner: Address, options?: { address?: Address; avatar?: string }): Promise<void>;
  /** Sets the reverse record of `address` (its primary name claim; any text, true or not). */
  setReverse(address: Address, name: string): Promise<void>;
  /** Funded accounts (the first deploys and owns the root). */
  accounts: Address[];
  close(): Promise<void>;
}

function compile(): Record<string, { abi: Abi; bytecode: Hex }> {
  const source = readFileSync(join(import.meta.dirname, '../fixtures/ens/ens.sol'), 'utf8');
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'ens.sol': { content: source } },
        settings: { evmVersion: 'paris', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  return Object.fromEntries(
    Object.entries(output.contracts['ens.sol']!).map(([name, c]) => [
      name,
      { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` as Hex },
    ]),
  );
}

const label = (text: string) => keccak256(toHex(text));

export async function startEnsChain(): Promise<EnsChain> {
  // Local keys, signed here (viem sends raw transactions): nothing depends on the node's own wallet methods.
  const secrets = Array.from({ length: 6 }, () => generatePrivateKey());
  const keys: PrivateKeyAccount[] = secrets.map((secret) => privateKeyToAccount(secret));
  const server = ganache.server({
    logging: { quiet: true },
    chain: { chainId: 1337, hardfork: 'shanghai' },
    wallet: { accounts: secrets.map((secretKey) => ({ secretKey, balance: '0x56BC75E2D63100000' })) },
  });
  await new Promise<void>((resolve, reject) =>
    server.listen(0, '127.0.0.1', (error?: Error | null) => (error ? reject(error) : resolve())),
  );
  const { port } = server.address() as { port: number };
  const rpcUrl = `http://127.0.0.1:${port}`;
  const chain = {
    id: 1337,
    name: 'ganache',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  } as const;
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
  const accounts = keys.map((k) => k.address);
  const deployer = accounts[0]!;
  const wallet = (address: Address) =>
    createWalletClient({ chain, account: keys.find((k) => k.address === address)!, transport: http(rpcUrl) });
  const contracts = compile();

  async function deploy(name: string, args: unknown[]): Promise<Address> {
    const { abi, bytecode } = contracts[name]!;
    const hash = await wallet(deployer).deployContract({ abi, bytecode, args });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    return receipt.contractAddress!;
  }
  async function send(
    from: Address,
    address: Address,
    contract: string,
    functionName: string,
    args: unknown[],
  ) {
    const hash = await wallet(from).writeContract({
      address,
      abi: contracts[contract]!.abi,
      functionName,
      args,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted`);
  }

  const registry = await deploy('TestRegistry', []);
  const resolver = await deploy('TestResolver', [registry]);
  // The tree mainnet has: eth and reverse/addr, owned by the deployer.
  for (const [parent, name] of [
    ['', 'eth'],
    ['', 'reverse'],
    ['reverse', 'addr'],
  ] as const) {
    await send(deployer, registry, 'TestRegistry', 'setSubnodeOwner', [
      parent ? namehash(parent) : namehash(''),
      label(name),
      deployer,
    ]);
  }

  return {
    rpcUrl,
    registry,
    accounts,
    async register(name, owner, options = {}) {
      const [first, ...rest] = name.split('.');
      await send(deployer, registry, 'TestRegistry', 'setSubnodeOwner', [
        namehash(rest.join('.')),
        label(first!),
        deployer,
      ]);
      const node = namehash(name);
      await send(deployer, registry, 'TestRegistry', 'setResolver', [node, resolver]);
      await send(deployer, resolver, 'TestResolver', 'setAddr', [node, options.address ?? owner]);
      if (options.avatar)
        await send(deployer, resolver, 'TestResolver', 'setText', [node, 'avatar', options.avatar]);
      await send(deployer, registry, 'TestRegistry', 'setSubnodeOwner', [
        namehash(rest.join('.')),
        label(first!),
        owner,
      ]);
    },
    async setReverse(address, name) {
      const reverseLabel = address.slice(2).toLowerCase();
      await send(deployer, registry, 'TestRegistry', 'setSubnodeOwner', [
        namehash('addr.reverse'),
        label(reverseLabel),
        deployer,
      ]);
      const node = namehash(`${reverseLabel}.addr.reverse`);
      await send(deployer, registry, 'TestRegistry', 'setResolver', [node, resolver]);
      await send(deployer, resolver, 'TestResolver', 'setName', [node, name]);
    },
    close: () => server.close(),
  };
}
