// One structured logger for the worker, activities and tools (level from LOG_LEVEL).
import pino from 'pino';

export const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { app: 'nsdeploy' } });
export type Logger = pino.Logger;
