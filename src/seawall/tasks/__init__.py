"""Background jobs: a persistent queue in the metadata database and workers.

Jobs are rows. A worker claims one by taking a lease; it completes it, or
fails it (retried with backoff until its attempts run out). A worker that
dies mid-job loses nothing: when its lease expires the job is claimed again.
Handlers must therefore be idempotent.
"""
