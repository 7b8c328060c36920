import { create, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  TaskCreateSchema,
  TaskDeleteSchema,
  TaskExecAddedSchema,
  TaskExecStartedSchema,
  TaskExitSchema,
  TaskOOMSchema,
  TaskPausedSchema,
  TaskResumedSchema,
  TaskStartSchema,
} from '../gen/github.com/containerd/containerd/api/events/task_pb.js';
import { Events } from '../gen/github.com/containerd/containerd/api/services/ttrpc/events/v1/events_pb.js';
import { TtrpcClient } from '../ttrpc/client.js';

/** One event as containerd's event service takes it: a topic and a typed Any. */
export interface TaskEvent {
  topic: string;
  /** `containerd.events.<Message>`: containerd 1.6's typeurl does not resolve a type.googleapis.com/ prefix. */
  typeUrl: string;
  value: Uint8Array;
}

/** Where the Task service sends its events. Publishing never fails the RPC that caused it. */
export interface EventPublisher {
  publish(event: TaskEvent): void;
  /** Resolves once every event published so far was sent (or given up on). */
  flush(): Promise<void>;
}

function event<D extends DescMessage>(topic: string, schema: D, init: MessageInitShape<D>): TaskEvent {
  return { topic, typeUrl: schema.typeName, value: toBinary(schema, create(schema, init)) };
}

/** Builders for the task topics containerd expects from a shim. */
export const taskEvents = {
  create: (init: MessageInitShape<typeof TaskCreateSchema>) => event('/tasks/create', TaskCreateSchema, init),
  start: (containerId: string, pid: number) => event('/tasks/start', TaskStartSchema, { containerId, pid }),
  exit: (containerId: string, id: string, pid: number, status: number, exitedAt: Date) =>
    event('/tasks/exit', TaskExitSchema, { containerId, id, pid, exitStatus: status, exitedAt: timestampFromDate(exitedAt) }),
  delete: (containerId: string, id: string, pid: number, status: number, exitedAt: Date) =>
    event('/tasks/delete', TaskDeleteSchema, { containerId, id, pid, exitStatus: status, exitedAt: timestampFromDate(exitedAt) }),
  execAdded: (containerId: string, execId: string) => event('/tasks/exec-added', TaskExecAddedSchema, { containerId, execId }),
  execStarted: (containerId: string, execId: string, pid: number) =>
    event('/tasks/exec-started', TaskExecStartedSchema, { containerId, execId, pid }),
  oom: (containerId: string) => event('/tasks/oom', TaskOOMSchema, { containerId }),
  paused: (containerId: string) => event('/tasks/paused', TaskPausedSchema, { containerId }),
  resumed: (containerId: string) => event('/tasks/resumed', TaskResumedSchema, { containerId }),
};

/** Keeps events in memory: for tests, and when containerd gave no TTRPC_ADDRESS. */
export class MemoryPublisher implements EventPublisher {
  readonly events: TaskEvent[] = [];
  publish(event: TaskEvent): void {
    this.events.push(event);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  /** The topics published so far, in order. */
  get topics(): string[] {
    return this.events.map((e) => e.topic);
  }
}

const FORWARD_ATTEMPTS = 5;
const FORWARD_TIMEOUT_MS = 5000;

/**
 * Sends events to containerd's ttrpc event service (`$TTRPC_ADDRESS`) with Events/Forward, one at
 * a time in publish order, retrying each up to 5 times as containerd's own shims do.
 */
export class TtrpcPublisher implements EventPublisher {
  private client: TtrpcClient | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly address: string,
    private readonly namespace: string,
    private readonly log: (message: string) => void = () => {},
  ) {}

  publish(e: TaskEvent): void {
    const timestamp = timestampFromDate(new Date());
    this.queue = this.queue.then(() => this.forward(e, timestamp));
  }

  flush(): Promise<void> {
    return this.queue;
  }

  /** Closes the connection to containerd. */
  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private async forward(e: TaskEvent, timestamp: ReturnType<typeof timestampFromDate>): Promise<void> {
    for (let attempt = 1; attempt <= FORWARD_ATTEMPTS; attempt++) {
      try {
        this.client ??= await TtrpcClient.connect(this.address);
        await this.client.call(
          Events,
          'forward',
          { envelope: { timestamp, namespace: this.namespace, topic: e.topic, event: { typeUrl: e.typeUrl, value: e.value } } },
          { timeoutMs: FORWARD_TIMEOUT_MS, metadata: { 'containerd-namespace-ttrpc': this.namespace } },
        );
        return;
      } catch (err) {
        this.close();
        this.log(`publish ${e.topic} (attempt ${attempt}): ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, attempt * 100));
      }
    }
  }
}
