import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readJsonBody } from './stand-in-http';

/** Node's timers cannot wait longer than this; a later schedule waits in hops. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const createScheduleSchema = z.object({
  GroupName: z.string().optional(),
  ScheduleExpression: z.string().regex(/^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)$/, 'only one-time at(...) schedules are supported'),
  ScheduleExpressionTimezone: z.literal('UTC').optional(),
  ActionAfterCompletion: z.enum(['NONE', 'DELETE']).optional(),
  FlexibleTimeWindow: z.object({ Mode: z.enum(['OFF', 'FLEXIBLE']) }),
  Target: z.object({ Arn: z.string(), RoleArn: z.string(), Input: z.string().optional() }).passthrough(),
});

export interface LocalSchedule {
  name: string;
  group: string;
  at: Date;
  target: string;
  input: unknown;
  firedAt?: Date;
}

export interface LocalScheduler {
  endpoint: string;
  /** Every schedule still waiting, by name. */
  schedules: Map<string, LocalSchedule>;
  /** Schedules that have fired, in order. */
  fired: LocalSchedule[];
  /** Where fired schedules go: the dispatch function's handler, set once the stack has built it. */
  setTarget(invoke: (input: unknown) => Promise<unknown>): void;
  close(): Promise<void>;
}

/**
 * The embedded stack's EventBridge Scheduler: answers the AWS SDK's CreateSchedule and
 * DeleteSchedule (REST JSON) for one-time `at()` schedules, and at the due time invokes
 * the target (the dispatch function's own handler) with the schedule's Input, then
 * deletes the schedule as `ActionAfterCompletion: DELETE` does.
 */
export async function startLocalScheduler(): Promise<LocalScheduler> {
  const schedules = new Map<string, LocalSchedule>();
  const timers = new Map<string, NodeJS.Timeout>();
  const fired: LocalSchedule[] = [];
  let invoke: ((input: unknown) => Promise<unknown>) | undefined;

  const fire = async (schedule: LocalSchedule) => {
    schedules.delete(schedule.name);
    timers.delete(schedule.name);
    schedule.firedAt = new Date();
    fired.push(schedule);
    try {
      await invoke?.(schedule.input);
    } catch (error) {
      console.error(`[scheduler] target of ${schedule.name} failed:`, error instanceof Error ? error.message : error);
    }
  };
  const arm = (schedule: LocalSchedule) => {
    const wait = schedule.at.getTime() - Date.now();
    const timer = setTimeout(() => (wait > MAX_TIMER_MS ? arm(schedule) : void fire(schedule)), Math.min(Math.max(wait, 0), MAX_TIMER_MS));
    timer.unref();
    timers.set(schedule.name, timer);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://scheduler');
    const name = /^\/schedules\/([^/]+)$/.exec(url.pathname)?.[1];
    if (!name) return error(res, 404, 'ResourceNotFoundException', 'Unknown operation');
    const key = decodeURIComponent(name);
    if (req.method === 'POST') {
      const parsed = createScheduleSchema.safeParse(await readJsonBody(req));
      if (!parsed.success) return error(res, 400, 'ValidationException', parsed.error.message);
      if (schedules.has(key)) return error(res, 409, 'ConflictException', `Schedule ${key} already exists.`);
      const body = parsed.data;
      const at = new Date(`${body.ScheduleExpression.slice(3, -1)}Z`);
      const schedule: LocalSchedule = {
        name: key,
        group: body.GroupName ?? 'default',
        at,
        target: body.Target.Arn,
        input: body.Target.Input === undefined ? undefined : JSON.parse(body.Target.Input),
      };
      schedules.set(key, schedule);
      arm(schedule);
      return reply(res, 200, { ScheduleArn: `arn:aws:scheduler:local:000000000000:schedule/${schedule.group}/${key}` });
    }
    if (req.method === 'DELETE') {
      if (!schedules.has(key)) return error(res, 404, 'ResourceNotFoundException', `Schedule ${key} does not exist.`);
      clearTimeout(timers.get(key));
      timers.delete(key);
      schedules.delete(key);
      return reply(res, 200, {});
    }
    return error(res, 405, 'ValidationException', `${req.method} is not supported`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    schedules,
    fired,
    setTarget: (target) => {
      invoke = target;
    },
    close: async () => {
      timers.forEach(clearTimeout);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ Message: message }));
}
