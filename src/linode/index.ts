// Production-side setup of @linode/api-v4: where it sends requests, with which token, and
// how its errors read.
export { apiRootFor, configureLinodeClient, LINODE_API_ORIGIN, type LinodeClientConfig } from './client';
export { describeReasons, LinodeApiError, type LinodeReason, toLinodeError } from './errors';
