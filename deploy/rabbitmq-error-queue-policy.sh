#!/bin/sh
# A RabbitMQ policy that caps how long the ingestion endpoint's error and skipped queues keep a
# message, as the service's own x-message-ttl does (README, "Error queues"). Useful while a queue
# declared by an earlier version (without the TTL) drains before it is deleted, or as a broker-wide
# cap; with both, RabbitMQ applies the lower TTL. Run where rabbitmqctl reaches the broker, e.g.
#   docker compose -f deploy/docker-compose.yml exec -T rabbitmq sh < deploy/rabbitmq-error-queue-policy.sh
set -eu

# Ingestion:EndpointName and Ingestion:RejectedPayloadRetention in milliseconds (30 days; at most 4294967295).
ENDPOINT="${ENDPOINT:-course-completed}"
TTL_MS="${TTL_MS:-2592000000}"
VHOST="${VHOST:-/}"

rabbitmqctl set_policy --vhost "$VHOST" --apply-to queues --priority 1 accreditation-error-queues \
  "^${ENDPOINT}_(error|skipped)\$" "{\"message-ttl\":${TTL_MS}}"
