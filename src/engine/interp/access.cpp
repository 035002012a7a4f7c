#include "engine/interp/access.h"

namespace spindle::engine::interp::detail {

template <class Tag, typename Tag::type Member>
struct Rob {
  friend typename Tag::type get(Tag) { return Member; }
};

struct ThreadPushValues {
  using type = void (wabt::interp::Thread::*)(const wabt::interp::ValueTypes&,
                                              const wabt::interp::Values&);
  friend type get(ThreadPushValues);
};
struct ThreadPushCall {
  using type = wabt::interp::RunResult (wabt::interp::Thread::*)(const wabt::interp::DefinedFunc&,
                                                                 wabt::interp::Trap::Ptr*);
  friend type get(ThreadPushCall);
};
struct ThreadPopValues {
  using type = void (wabt::interp::Thread::*)(const wabt::interp::ValueTypes&,
                                              wabt::interp::Values*);
  friend type get(ThreadPopValues);
};
struct IstreamData {
  using type = wabt::interp::Buffer wabt::interp::Istream::*;
  friend type get(IstreamData);
};

struct ThreadFrames {
  using type = std::vector<wabt::interp::Frame> wabt::interp::Thread::*;
  friend type get(ThreadFrames);
};

// The explicit instantiations that capture the private members.
template struct Rob<ThreadPushValues, &wabt::interp::Thread::PushValues>;
template struct Rob<ThreadPushCall, &wabt::interp::Thread::PushCall>;
template struct Rob<ThreadPopValues, &wabt::interp::Thread::PopValues>;
template struct Rob<IstreamData, &wabt::interp::Istream::data_>;
template struct Rob<ThreadFrames, &wabt::interp::Thread::frames_>;

}  // namespace spindle::engine::interp::detail

namespace spindle::engine::interp {

void push_values(wabt::interp::Thread& t, const wabt::interp::ValueTypes& types,
                 const wabt::interp::Values& values) {
  (t.*get(detail::ThreadPushValues{}))(types, values);
}

wabt::interp::RunResult push_call(wabt::interp::Thread& t, const wabt::interp::DefinedFunc& f,
                                  wabt::interp::Trap::Ptr* out_trap) {
  return (t.*get(detail::ThreadPushCall{}))(f, out_trap);
}

void pop_values(wabt::interp::Thread& t, const wabt::interp::ValueTypes& types,
                wabt::interp::Values* out) {
  (t.*get(detail::ThreadPopValues{}))(types, out);
}

wabt::interp::Buffer& istream_data(wabt::interp::Istream& s) {
  return s.*get(detail::IstreamData{});
}

}  // namespace spindle::engine::interp

namespace spindle::engine::interp {

size_t frame_depth(const wabt::interp::Thread& t) {
  return (t.*get(detail::ThreadFrames{})).size();
}

size_t frame_capacity(const wabt::interp::Thread& t) {
  return (t.*get(detail::ThreadFrames{})).capacity();
}

void reserve_frames(wabt::interp::Thread& t, size_t n) {
  (t.*get(detail::ThreadFrames{})).reserve(n);
}

}  // namespace spindle::engine::interp
