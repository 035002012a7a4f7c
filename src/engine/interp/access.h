// Access to a few private members of WABT's interpreter that its public API
// does not expose but that the backend needs:
//   - Thread::PushValues / PushCall / PopValues, to run a call in bounded
//     instruction batches (Thread::Run(n)) so a wall-clock deadline can be
//     checked between batches (Func::Call runs to completion);
//   - Thread::frames_, to see how close a call is to the call-stack limit
//     (see run.cpp: WABT mis-handles exhaustion in call_indirect);
//   - Istream::data_, to patch `memory.grow` into a call of an injected host
//     function before the module is instantiated (see rewrite.h).
//
// This uses the standard rule that access checking does not apply to the
// names in an explicit template instantiation ([temp.spec.general]/6): the
// instantiation below stores a pointer to the private member in a friend
// function that we can call. No WABT code is copied or changed.
#pragma once

#include "wabt/interp/interp.h"

namespace spindle::engine::interp {

// thread.PushValues(types, values)
void push_values(wabt::interp::Thread& t, const wabt::interp::ValueTypes& types,
                 const wabt::interp::Values& values);
// thread.PushCall(func, out_trap)
wabt::interp::RunResult push_call(wabt::interp::Thread& t, const wabt::interp::DefinedFunc& f,
                                  wabt::interp::Trap::Ptr* out_trap);
// thread.PopValues(types, out)
void pop_values(wabt::interp::Thread& t, const wabt::interp::ValueTypes& types,
                wabt::interp::Values* out);
// istream.data_
wabt::interp::Buffer& istream_data(wabt::interp::Istream& s);
// thread.frames_.size() and .capacity() (the call stack depth and limit).
size_t frame_depth(const wabt::interp::Thread& t);
size_t frame_capacity(const wabt::interp::Thread& t);
// Raises the call-stack limit: WABT traps "call stack exhausted" when the
// frame vector is full (size == capacity), and its constructor reserves only
// 64 KiB of frames.
void reserve_frames(wabt::interp::Thread& t, size_t n);

}  // namespace spindle::engine::interp
