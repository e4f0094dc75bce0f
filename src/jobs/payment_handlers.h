// The payment jobs: charge (authorise, then capture), refund and void,
// against the gateway. Every call carries an idempotency key derived from
// the job (order id + step + call), and a retry first asks the gateway what
// the earlier attempt did: an unknown outcome is settled by looking, never
// by charging again.
#pragma once

#include "integrations/payment/gateway.h"
#include "jobs/runner.h"

namespace ordo::jobs {

// Registers payment.charge, payment.refund and payment.void (integration "payment").
void RegisterPaymentHandlers(Runner& runner, const integrations::payment::Gateway& gateway);

// One charge job's calls (public for tests).
CallOutcome Charge(const integrations::payment::Gateway& gateway, const store::Job& job);

}  // namespace ordo::jobs
