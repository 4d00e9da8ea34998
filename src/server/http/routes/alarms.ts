/**
 * The alarm evaluator's progress, for engineers and admins:
 *   GET /api/alarms/status → {running, poll_ms, rules, problems, bindings: [{rule, channel, asset,
 *       site, inputs: [{array, position, length, lag}], version, caught_up, updated_at?, error?}],
 *       stopped, counters, last_pass_at}
 * Engineers and admins read every site, so both see everything; technicians get 403. In a process
 * started with ALARMS=0 there is no evaluator: 404 says so.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../errors';
import { requireUser } from '../access';
import type { AlarmEvaluator } from '../../alarms/alarm-evaluator';

export async function alarmStatusRoutes(app: FastifyInstance, options: { evaluator: AlarmEvaluator | undefined }): Promise<void> {
  app.get('/api/alarms/status', async (request) => {
    const user = requireUser(request);
    if (user.role === 'technician') throw new HttpError(403, 'forbidden', 'engineers and admins see the alarm evaluation status');
    const evaluator = options.evaluator;
    if (!evaluator) throw new HttpError(404, 'not_found', 'alarm rules are not evaluated in this server process (ALARMS=0)');
    return evaluator.status();
  });
}
