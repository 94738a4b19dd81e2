#include "formats/pickle_opcodes.hpp"

#include <array>

namespace ms::pickle_vm {
namespace {

struct OpcodeInfo {
  std::string_view name;
  bool opens_pickle = false;
};

constexpr std::array<OpcodeInfo, 256> build_table() {
  std::array<OpcodeInfo, 256> table{};
  auto set = [&table](Op op, std::string_view name, bool opens = false) {
    table[static_cast<std::uint8_t>(op)] = OpcodeInfo{name, opens};
  };
  set(Op::MARK, "MARK", true);
  set(Op::STOP, "STOP");
  set(Op::POP, "POP");
  set(Op::POP_MARK, "POP_MARK");
  set(Op::DUP, "DUP");
  set(Op::FLOAT, "FLOAT", true);
  set(Op::INT, "INT", true);
  set(Op::BININT, "BININT", true);
  set(Op::BININT1, "BININT1", true);
  set(Op::LONG, "LONG", true);
  set(Op::BININT2, "BININT2", true);
  set(Op::NONE, "NONE", true);
  set(Op::PERSID, "PERSID", true);
  set(Op::BINPERSID, "BINPERSID");
  set(Op::REDUCE, "REDUCE");
  set(Op::STRING, "STRING", true);
  set(Op::BINSTRING, "BINSTRING", true);
  set(Op::SHORT_BINSTRING, "SHORT_BINSTRING", true);
  set(Op::UNICODE, "UNICODE", true);
  set(Op::BINUNICODE, "BINUNICODE", true);
  set(Op::APPEND, "APPEND");
  set(Op::BUILD, "BUILD");
  set(Op::GLOBAL, "GLOBAL", true);
  set(Op::DICT, "DICT");
  set(Op::EMPTY_DICT, "EMPTY_DICT", true);
  set(Op::APPENDS, "APPENDS");
  set(Op::GET, "GET");
  set(Op::BINGET, "BINGET");
  set(Op::INST, "INST");
  set(Op::LONG_BINGET, "LONG_BINGET");
  set(Op::LIST, "LIST");
  set(Op::EMPTY_LIST, "EMPTY_LIST", true);
  set(Op::OBJ, "OBJ");
  set(Op::PUT, "PUT");
  set(Op::BINPUT, "BINPUT");
  set(Op::LONG_BINPUT, "LONG_BINPUT");
  set(Op::SETITEM, "SETITEM");
  set(Op::TUPLE, "TUPLE");
  set(Op::EMPTY_TUPLE, "EMPTY_TUPLE", true);
  set(Op::SETITEMS, "SETITEMS");
  set(Op::BINFLOAT, "BINFLOAT", true);
  set(Op::PROTO, "PROTO", true);
  set(Op::NEWOBJ, "NEWOBJ");
  set(Op::EXT1, "EXT1", true);
  set(Op::EXT2, "EXT2", true);
  set(Op::EXT4, "EXT4", true);
  set(Op::TUPLE1, "TUPLE1");
  set(Op::TUPLE2, "TUPLE2");
  set(Op::TUPLE3, "TUPLE3");
  set(Op::NEWTRUE, "NEWTRUE", true);
  set(Op::NEWFALSE, "NEWFALSE", true);
  set(Op::LONG1, "LONG1", true);
  set(Op::LONG4, "LONG4", true);
  set(Op::BINBYTES, "BINBYTES", true);
  set(Op::SHORT_BINBYTES, "SHORT_BINBYTES", true);
  set(Op::SHORT_BINUNICODE, "SHORT_BINUNICODE", true);
  set(Op::BINUNICODE8, "BINUNICODE8", true);
  set(Op::BINBYTES8, "BINBYTES8", true);
  set(Op::EMPTY_SET, "EMPTY_SET", true);
  set(Op::ADDITEMS, "ADDITEMS");
  set(Op::FROZENSET, "FROZENSET");
  set(Op::NEWOBJ_EX, "NEWOBJ_EX");
  set(Op::STACK_GLOBAL, "STACK_GLOBAL");
  set(Op::MEMOIZE, "MEMOIZE");
  set(Op::FRAME, "FRAME", true);
  set(Op::BYTEARRAY8, "BYTEARRAY8", true);
  set(Op::NEXT_BUFFER, "NEXT_BUFFER", true);
  set(Op::READONLY_BUFFER, "READONLY_BUFFER");
  return table;
}

constexpr std::array<OpcodeInfo, 256> kOpcodes = build_table();

}  // namespace

std::string_view opcode_name(std::uint8_t byte) { return kOpcodes[byte].name; }
bool can_open_pickle(std::uint8_t byte) { return kOpcodes[byte].opens_pickle; }

}  // namespace ms::pickle_vm
