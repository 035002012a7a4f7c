#include <gtest/gtest.h>

#include "engine/engine.h"

using namespace spindle::engine;

TEST(Value, FuncTypeToString) {
  FuncType t{{ValType::I32, ValType::F64}, {ValType::I64}};
  EXPECT_EQ(to_string(t), "(i32, f64) -> (i64)");
}

TEST(Value, TrapNamesAreDistinct) {
  EXPECT_EQ(trap_name(TrapKind::OutOfBounds), "out-of-bounds");
  EXPECT_NE(trap_message(TrapKind::Timeout), trap_message(TrapKind::MemoryLimit));
}

TEST(Linker, FindsWhatWasDefined) {
  Linker l;
  HostFunc f;
  f.type = {{ValType::I32}, {}};
  l.define("env", "f", f);
  ASSERT_NE(l.find("env", "f"), nullptr);
  EXPECT_EQ(l.find("env", "g"), nullptr);
  EXPECT_EQ(l.find("other", "f"), nullptr);
}
