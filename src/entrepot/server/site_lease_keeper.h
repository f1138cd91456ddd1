// File: site_lease_keeper.h
//
// SiteLeaseKeeper: keeps an active node's lease on its site alive (store/postgres_lease.h,
// docs/STORAGE.md "Failover"). Its thread renews the lease every third of its time to live,
// and retries a failed renewal every tenth. The lease counts as lost, once and for good,
// when a renewal says another node took the site ("lease_lost"), or when no renewal has
// succeeded for a whole time to live (a standby may have taken the site meanwhile). The node
// must then stop serving: its reads may be stale, and its writes are fenced anyway.
//
// The keeper knows the lease only through the functions it is given, so that it is tested
// without a database; it reads the steady clock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "entrepot/base/status.h"

namespace entrepot::server {

struct SiteLeaseKeeperOptions {
  std::chrono::milliseconds ttl{5000};
  // Extends the lease by `ttl`; kAborted "lease_lost" when another node holds it. Called on
  // the keeper's thread only.
  std::function<Status()> renew{};
  // Ends the lease (Stop(true)). Called on the thread calling Stop.
  std::function<Status()> release{};
  // Called once, on the keeper's thread, when the lease is lost; may be empty.
  std::function<void(const Status& why)> on_lost{};
};

class SiteLeaseKeeper {
 public:
  // Starts the renewals. The lease must have been acquired just before (the first renewal
  // comes a third of the time to live later).
  static std::unique_ptr<SiteLeaseKeeper> Start(SiteLeaseKeeperOptions options);
  // Stops without releasing, if Stop was not called.
  ~SiteLeaseKeeper();
  SiteLeaseKeeper(const SiteLeaseKeeper&) = delete;
  SiteLeaseKeeper& operator=(const SiteLeaseKeeper&) = delete;

  // OK while the lease is held; once lost, why: kAborted "lease_lost" (taken over) or
  // kUnavailable "lease_expired" (not renewed in time). Any thread.
  Status status() const;
  bool lost() const { return !status().ok(); }

  // Stops renewing; with `release`, also ends the lease (unless lost) so that a standby
  // takes the site over at once. Returns the release's error. Idempotent.
  Status Stop(bool release);

 private:
  explicit SiteLeaseKeeper(SiteLeaseKeeperOptions options);
  void Run();
  // Under mutex_: records the loss once and wakes nobody (the thread ends by itself).
  void MarkLost(Status why);

  const SiteLeaseKeeperOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  Status lost_;
  std::thread thread_;
};

}  // namespace entrepot::server
