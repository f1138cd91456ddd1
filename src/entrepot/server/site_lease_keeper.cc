#include "entrepot/server/site_lease_keeper.h"

#include <algorithm>
#include <utility>

namespace entrepot::server {

using Clock = std::chrono::steady_clock;

std::unique_ptr<SiteLeaseKeeper> SiteLeaseKeeper::Start(SiteLeaseKeeperOptions options) {
  std::unique_ptr<SiteLeaseKeeper> keeper(new SiteLeaseKeeper(std::move(options)));
  keeper->thread_ = std::thread([raw = keeper.get()] { raw->Run(); });
  return keeper;
}

SiteLeaseKeeper::SiteLeaseKeeper(SiteLeaseKeeperOptions options) : options_(std::move(options)) {}

SiteLeaseKeeper::~SiteLeaseKeeper() { (void)Stop(false); }

Status SiteLeaseKeeper::status() const {
  std::lock_guard lock(mutex_);
  return lost_;
}

void SiteLeaseKeeper::MarkLost(Status why) {
  if (lost_.ok()) {
    lost_ = std::move(why);
  }
}

void SiteLeaseKeeper::Run() {
  // A renewal counts from when it was sent: the lease runs from then, at the latest.
  Clock::time_point held_until = Clock::now() + options_.ttl;
  Clock::time_point next = Clock::now() + options_.ttl / 3;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_until(lock, next, [this] { return stopping_; });
    if (stopping_) {
      return;
    }
    lock.unlock();
    const Clock::time_point sent = Clock::now();
    Status renewed = options_.renew();
    lock.lock();
    if (renewed.ok()) {
      held_until = sent + options_.ttl;
      next = sent + options_.ttl / 3;
      continue;
    }
    if (renewed.reason() == "lease_lost" || Clock::now() >= held_until) {
      Status why =
          renewed.reason() == "lease_lost"
              ? renewed
              : Error(StatusCode::kUnavailable, "lease_expired",
                      "the lease could not be renewed for its whole time to live (" +
                          std::to_string(options_.ttl.count()) +
                          " ms), so another node may serve the site now: " + renewed.ToString());
      MarkLost(why);
      lock.unlock();
      if (options_.on_lost) {
        options_.on_lost(why);
      }
      return;
    }
    next = std::min(Clock::now() + options_.ttl / 10, held_until);
  }
}

Status SiteLeaseKeeper::Stop(bool release) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return OkStatus();
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  if (release && !lost() && options_.release) {
    return options_.release();
  }
  return OkStatus();
}

}  // namespace entrepot::server
