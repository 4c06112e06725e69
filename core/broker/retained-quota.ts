// Retained messages per outside user, counted in messages and bytes: a client may keep state on
// the broker, not fill a Pi's memory with it. Loop's own retained state is not counted.
export interface QuotaLimits {
  maxMessages: number;
  maxBytes: number;
}

interface Entry {
  owner: string;
  bytes: number;
}
interface Usage {
  messages: number;
  bytes: number;
}

export class RetainedQuota {
  private readonly topics = new Map<string, Entry>();
  private readonly usage = new Map<string, Usage>();

  constructor(private readonly limits: QuotaLimits) {}

  /**
   * Records a retained publish by `owner` (null = Loop itself) if it fits; returns why not otherwise.
   * An empty payload clears the topic and is always allowed.
   */
  take(owner: string | null, topic: string, bytes: number): string | null {
    const prev = this.topics.get(topic);
    if (owner !== null && bytes > 0) {
      const u = this.usage.get(owner) ?? { messages: 0, bytes: 0 };
      const mine = prev?.owner === owner ? prev : undefined;
      const messages = u.messages - (mine ? 1 : 0) + 1;
      const total = u.bytes - (mine?.bytes ?? 0) + bytes;
      if (messages > this.limits.maxMessages)
        return `over the limit of ${this.limits.maxMessages} retained messages per user (mqtt.limits.retained_messages_per_user)`;
      if (total > this.limits.maxBytes)
        return `over the limit of ${this.limits.maxBytes} retained bytes per user (mqtt.limits.retained_bytes_per_user)`;
    }
    if (prev) {
      const u = this.usage.get(prev.owner);
      if (u) {
        u.messages--;
        u.bytes -= prev.bytes;
        if (u.messages <= 0) this.usage.delete(prev.owner);
      }
      this.topics.delete(topic);
    }
    if (owner !== null && bytes > 0) {
      this.topics.set(topic, { owner, bytes });
      const u = this.usage.get(owner) ?? { messages: 0, bytes: 0 };
      u.messages++;
      u.bytes += bytes;
      this.usage.set(owner, u);
    }
    return null;
  }

  usageOf(owner: string): Usage {
    return { ...(this.usage.get(owner) ?? { messages: 0, bytes: 0 }) };
  }
}
