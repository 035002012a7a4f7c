// wasi:http/types 0.2 host functions called directly, as a component's
// lowered imports call them: fields and its header-error cases and
// immutability, outgoing responses and bodies, response-outparam.
#include "abi/wasi_http_types.h"

#include <gtest/gtest.h>

#include "wasi/p2/context.h"
#include "wasi/p2/io.h"
#include "wasi/wasi.h"

namespace spindle::abi::wasi_http {
namespace {

using component::Val;

class WasiHttpTypes : public ::testing::Test {
 protected:
  WasiHttpTypes() {
    wasi::Config config;
    config.stdio = wasi::Stdio::Capture;
    std::string error;
    env_ = wasi::make_environment(config, error);
    p1_ = std::make_unique<wasi::Context>(env_);
    p2_ = std::make_unique<wasi::p2::Context>(*p1_);
    data_.wasi = p1_.get();
    data_.wasi_p2 = p2_.get();
    link(host_);
  }
  // `wasi:http/types@0.2.0#member`, expecting success; its result.
  Val call(const std::string& member, std::vector<Val> args) {
    auto it = host_.funcs.find("wasi:http/types@0.2.0#" + member);
    EXPECT_NE(it, host_.funcs.end()) << member;
    if (it == host_.funcs.end()) return Val();
    std::vector<Val> r;
    engine::Outcome o = it->second(&data_, args, r);
    EXPECT_TRUE(o.ok()) << member << ": " << engine::describe(o);
    return r.empty() ? Val() : r[0];
  }
  static Val bytes_list(std::vector<std::string> v) {
    std::vector<Val> out;
    for (auto& s : v) out.push_back(Val::bytes(s));
    return Val::list(std::move(out));
  }
  // The header-error case of a result (-1: ok).
  static int error_case(const Val& r) {
    return r.is_ok() ? -1 : static_cast<int>(r.payload()->case_index());
  }

  std::shared_ptr<const wasi::Environment> env_;
  std::unique_ptr<wasi::Context> p1_;
  std::unique_ptr<wasi::p2::Context> p2_;
  engine::InstanceData data_;
  component::HostImports host_;
};

TEST_F(WasiHttpTypes, FieldsKeepOrderLowercaseNamesAndRefuseBadOnes) {
  uint32_t f = call("[constructor]fields", {}).rep();
  ASSERT_NE(f, 0u);
  EXPECT_EQ(error_case(call("[method]fields.append",
                            {Val::borrow(f), Val::string("X-One"), Val::bytes("1")})),
            -1);
  EXPECT_EQ(error_case(call("[method]fields.append",
                            {Val::borrow(f), Val::string("x-one"), Val::bytes("2")})),
            -1);
  Val got = call("[method]fields.get", {Val::borrow(f), Val::string("X-ONE")});
  ASSERT_EQ(got.list_size(), 2u);
  EXPECT_EQ(got.as_list()[0].as_bytes(), "1");
  EXPECT_EQ(got.as_list()[1].as_bytes(), "2");
  EXPECT_TRUE(call("[method]fields.has", {Val::borrow(f), Val::string("x-one")}).as_bool());
  // invalid-syntax (0): a bad name, a value with CR LF; forbidden (1): host
  EXPECT_EQ(error_case(call("[method]fields.append",
                            {Val::borrow(f), Val::string("a b"), Val::bytes("")})),
            0);
  EXPECT_EQ(error_case(call("[method]fields.append",
                            {Val::borrow(f), Val::string("x"), Val::bytes("a\r\nb: c")})),
            0);
  EXPECT_EQ(error_case(call("[method]fields.set",
                            {Val::borrow(f), Val::string("Host"), bytes_list({"evil"})})),
            1);
  EXPECT_EQ(error_case(call("[method]fields.set",
                            {Val::borrow(f), Val::string("x-one"), bytes_list({"3"})})),
            -1);
  Val entries = call("[method]fields.entries", {Val::borrow(f)});
  ASSERT_EQ(entries.list_size(), 1u);
  EXPECT_EQ(entries.as_list()[0].as_tuple()[0].as_string(), "x-one");
  EXPECT_EQ(entries.as_list()[0].as_tuple()[1].as_bytes(), "3");
  EXPECT_EQ(error_case(call("[method]fields.delete", {Val::borrow(f), Val::string("x-one")})), -1);
  EXPECT_FALSE(call("[method]fields.has", {Val::borrow(f), Val::string("x-one")}).as_bool());

  Val bad = call("[static]fields.from-list",
                 {Val::list({Val::tuple({Val::string("ok"), Val::bytes("v")}),
                             Val::tuple({Val::string("bad name"), Val::bytes("v")})})});
  EXPECT_EQ(error_case(bad), 0);
}

TEST_F(WasiHttpTypes, ResponseHeadersAreImmutableOnceTheResponseHasThemButCloneIsNot) {
  Val list =
      call("[static]fields.from-list",
           {Val::list({Val::tuple({Val::string("content-type"), Val::bytes("text/plain")})})});
  ASSERT_TRUE(list.is_ok());
  uint32_t h = list.payload()->rep();
  uint32_t resp = call("[constructor]outgoing-response", {Val::own(h)}).rep();
  uint32_t headers = call("[method]outgoing-response.headers", {Val::borrow(resp)}).rep();
  EXPECT_EQ(error_case(call("[method]fields.append",
                            {Val::borrow(headers), Val::string("x"), Val::bytes("1")})),
            2);  // immutable
  uint32_t copy = call("[method]fields.clone", {Val::borrow(headers)}).rep();
  EXPECT_EQ(error_case(call("[method]fields.append",
                            {Val::borrow(copy), Val::string("x"), Val::bytes("1")})),
            -1);
  EXPECT_EQ(call("[method]outgoing-response.status-code", {Val::borrow(resp)}).as_u16(), 200);
  EXPECT_FALSE(
      call("[method]outgoing-response.set-status-code", {Val::borrow(resp), Val::u16(42)}).is_ok());
  EXPECT_TRUE(call("[method]outgoing-response.set-status-code", {Val::borrow(resp), Val::u16(418)})
                  .is_ok());

  // The body: once; writes land in the response's buffer.
  Val body = call("[method]outgoing-response.body", {Val::borrow(resp)});
  ASSERT_TRUE(body.is_ok());
  EXPECT_FALSE(call("[method]outgoing-response.body", {Val::borrow(resp)}).is_ok());
  uint32_t b = body.payload()->rep();
  Val stream = call("[method]outgoing-body.write", {Val::borrow(b)});
  ASSERT_TRUE(stream.is_ok());
  auto* out = p2_->table().get<wasi::p2::OutputStream>(stream.payload()->rep());
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->write("hello").kind, wasi::p2::StreamResult::Ok);
  EXPECT_TRUE(call("[static]outgoing-body.finish", {Val::own(b), Val::none()}).is_ok());
  EXPECT_EQ(p2_->table().get<OutgoingBody>(b)->buffer->bytes, "hello");

  uint32_t param = p2_->table().add(std::make_unique<ResponseOutparam>());
  call("[static]response-outparam.set", {Val::own(param), Val::ok(Val::own(resp))});
  auto* set = p2_->table().get<ResponseOutparam>(param);
  EXPECT_TRUE(set->set);
  EXPECT_EQ(set->response, resp);
  EXPECT_EQ(p2_->table().get<OutgoingResponse>(resp)->status, 418);
}

TEST_F(WasiHttpTypes, ErrorCodesDescribeThemselves) {
  EXPECT_EQ(describe_error_code(Val::variant(15)), "HTTP-request-denied");
  EXPECT_EQ(describe_error_code(Val::variant(38, Val::some(Val::string("boom")))),
            "internal-error: boom");
}

}  // namespace
}  // namespace spindle::abi::wasi_http
