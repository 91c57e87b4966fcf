// Upload tickets of the file backend: the node's answer to an authenticated upload request is a PUT URL that
// carries its own permission (digest, length, expiry, signed with a per-process key), the way a bucket's
// presigned URL does. So the client uploads the same way to either backend, and the PUT needs no token.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Ticket {
  digest: string;
  length: number;
  expiresAtMs: number;
}

export class TicketSigner {
  private readonly key = randomBytes(32);

  sign(ticket: Ticket): string {
    return this.mac(ticket).toString('base64url');
  }

  /** Whether `signature` is this node's for `ticket` and the ticket has not expired at `nowMs`. */
  verify(ticket: Ticket, signature: string, nowMs: number): boolean {
    if (!(ticket.expiresAtMs > nowMs)) return false;
    const expected = this.mac(ticket);
    const given = Buffer.from(signature, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac({ digest, length, expiresAtMs }: Ticket): Buffer {
    return createHmac('sha256', this.key).update(`${digest}.${length}.${expiresAtMs}`).digest();
  }
}
