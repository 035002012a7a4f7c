// The worker pool guests run on: jobs run, a full queue refuses, and a job
// that holds its worker (a looping guest) makes the pool add a worker so the
// others are not held up, which leaves again afterwards.
#include "trigger/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

using spindle::trigger::WorkerPool;
using namespace std::chrono_literals;

TEST(WorkerPool, RunsJobsAndRefusesWhenTheQueueIsFull) {
  WorkerPool pool({1, 1, 2, 10000ms});
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.submit([&, gate] {
    gate.wait();
    ++ran;
  }));
  std::this_thread::sleep_for(50ms);  // the one worker holds the first job
  EXPECT_TRUE(pool.submit([&] { ++ran; }));
  EXPECT_TRUE(pool.submit([&] { ++ran; }));
  EXPECT_FALSE(pool.submit([&] { ++ran; }));  // 2 queued: full
  EXPECT_EQ(pool.queued(), 2u);
  release.set_value();
  for (int i = 0; i < 200 && ran < 3; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(ran.load(), 3);
}

TEST(WorkerPool, AStalledJobGetsAnotherWorkerAddedForTheOthers) {
  WorkerPool pool({1, 4, 0, 20ms});
  EXPECT_EQ(pool.threads(), 1u);
  std::promise<void> release;
  auto gate = release.get_future().share();
  ASSERT_TRUE(pool.submit([gate] { gate.wait(); }));  // holds the only core worker
  std::this_thread::sleep_for(10ms);
  std::promise<void> quick;
  auto done = quick.get_future();
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(pool.submit([&] { quick.set_value(); }));
  ASSERT_EQ(done.wait_for(2s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_EQ(pool.threads(), 2u);
  release.set_value();
  // Once nothing is stalled, the added worker leaves after its next job.
  for (int i = 0; i < 200 && pool.threads() > 1; ++i) {
    pool.submit([] {});
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(pool.threads(), 1u);
}
