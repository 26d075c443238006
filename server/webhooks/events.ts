// Event type names of the webhook receiver, one place (like MessageEvent for routing). Every
// delivery leaves a trail: Received, then Rejected (401) or Verified, then Ignored, Refused or
// Queued, and a queued push ends as Deployed, Superseded, Refused or DeployFailed.
export const WebhookEvent = {
  /** any request to the receiver that passed the rate limit: {delivery, event, bytes} */
  Received: 'WebhookReceived',
  /** signature missing or wrong, or no secret configured: {delivery, event, reason} */
  Rejected: 'WebhookRejected',
  /** the signature matched: {delivery, event} */
  Verified: 'WebhookVerified',
  /** acknowledged, nothing to deploy: {delivery, event, reason, ref?} */
  Ignored: 'WebhookIgnored',
  /** refused by the deploy lock: {delivery, sha, reason, by} */
  Refused: 'WebhookRefused',
  /** a push waiting for its deployment: {delivery, sha, ref, deploymentId, supersedes} */
  Queued: 'WebhookQueued',
  /** a queued push replaced by a newer one before it ran, or no longer the branch tip when its turn came (by.deploymentId null): {deliveries, sha, deploymentId, by, reason} */
  Superseded: 'WebhookSuperseded',
  /** the deployment of a push finished (whatever its status): {deliveries, sha, deploymentId, status} */
  Deployed: 'WebhookDeployed',
  /** the deployment of a push could not run (fetch failed, unknown commit…): {deliveries, sha, deploymentId, code, message} */
  DeployFailed: 'WebhookDeployFailed',
} as const;

/** The events after which a delivery id counts as handled: a redelivery of it deploys nothing. */
export const HANDLED_DELIVERY_EVENTS = [WebhookEvent.Queued, WebhookEvent.Ignored] as const;
