// Fan-out deliveries as the benches report them (bench/node.ts, bench/_tcp-fanout.ts): each
// receiver process reports its latencies with the stamp (send time, epoch ms) of the publish they belong to.

/** The latencies of the publishes stamped at or after `from`, and per publish, in publish order, its last one. */
export function deliveriesFrom(
  reports: readonly { values: readonly number[]; stamps: readonly number[] }[],
  from: number,
): { values: number[]; lastDelivery: number[] } {
  const values: number[] = [];
  const last = new Map<number, number>();
  for (const r of reports)
    r.values.forEach((v, i) => {
      const stamp = r.stamps[i]!;
      if (stamp < from) return;
      values.push(v);
      last.set(stamp, Math.max(last.get(stamp) ?? 0, v));
    });
  return { values, lastDelivery: [...last].sort((a, b) => a[0] - b[0]).map(([, v]) => v) };
}
