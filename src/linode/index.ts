// Production-side use of @linode/api-v4: each fleet's calls in a scope with its own token and
// API URL, and readable errors.
export { apiRootFor, LINODE_API_ORIGIN, type LinodeCredentials, withLinodeCredentials } from './client';
export { describeReasons, LinodeApiError, type LinodeReason, toLinodeError } from './errors';
export { LINODE_CREATE_LIMIT, PacerRegistry, processPacers, RequestPacer, type WindowLimit } from './pacer';
