// One handler per opcode. Errors CPython would raise but after which the stream position is still known
// are "soft": recorded, with an unknown value standing in, and the scan goes on. Truncation, unknown
// opcodes and impossible lengths throw FormatError ("fatal": nothing after them can be located).
#include <bit>

#include "formats/pickle_machine.hpp"
#include "modelshield/utf8.hpp"

namespace ms::pickle_vm {
namespace {

constexpr std::size_t kMaxDecodedText = 64u << 10;  // STRING / UNICODE payloads kept (longer: partial)

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::none:
      return "NoneType";
    case Kind::boolean:
      return "bool";
    case Kind::integer:
      return "int";
    case Kind::floating:
      return "float";
    case Kind::str:
      return "str";
    case Kind::bytes:
      return "bytes";
    case Kind::bytearray:
      return "bytearray";
    case Kind::tuple:
      return "tuple";
    case Kind::list:
      return "list";
    case Kind::dict:
      return "dict";
    case Kind::set:
      return "set";
    case Kind::frozenset:
      return "frozenset";
    default:
      return "object";
  }
}

bool is_opaque(Kind kind) {
  return kind == Kind::global || kind == Kind::call || kind == Kind::object || kind == Kind::persistent_id ||
         kind == Kind::extension || kind == Kind::buffer || kind == Kind::unknown;
}

}  // namespace

void Machine::execute(Op op) {
  switch (op) {
    case Op::MARK:
      if (marks_.size() >= limits_.max_pickle_stack) {
        throw LimitError("pickle", "stack limit reached (too many marks)", op_offset_);
      }
      marks_.push_back(stack_.size());
      forgotten_.push_back(0);
      if (stack_.size() + marks_.size() > limits_.max_pickle_stack) shed_stack();
      return;
    case Op::STOP:
      pop();
      stopped_ = true;
      return;
    case Op::POP: {
      std::size_t fence = marks_.empty() ? 0 : marks_.back();
      if (stack_.size() > fence) {
        stack_.pop_back();
      } else if (forgotten_.back() > 0) {
        --forgotten_.back();
      } else if (!marks_.empty()) {  // POP on an empty frame discards the mark itself
        marks_.pop_back();
        forgotten_.pop_back();
      } else {
        soft_error("unpickling stack underflow");
      }
      return;
    }
    case Op::POP_MARK: {
      std::uint64_t forgotten = 0;
      pop_mark(scratch_, forgotten);
      return;
    }
    case Op::DUP:
      return push(peek());
    case Op::NONE:
      return push(kNone);
    case Op::NEWTRUE:
      return push(kTrue);
    case Op::NEWFALSE:
      return push(kFalse);

    case Op::INT: {
      std::optional<IntOpcodeValue> parsed = parse_int_line(read_line());
      if (!parsed) {
        soft_error("could not convert string to int");
        return push(kUnknown);
      }
      if (parsed->is_bool) return push(parsed->number.value != 0 ? kTrue : kFalse);
      return push(make_integer(parsed->number));
    }
    case Op::LONG: {
      std::optional<IntegerValue> parsed = parse_long_line(read_line());
      if (!parsed) {
        soft_error("invalid literal for int() with base 0");
        return push(kUnknown);
      }
      return push(make_integer(*parsed));
    }
    case Op::BININT:
      return push(make_small_int(static_cast<std::int32_t>(reader_.u32le())));
    case Op::BININT1:
      return push(make_small_int(reader_.u8()));
    case Op::BININT2:
      return push(make_small_int(reader_.u16le()));
    case Op::LONG1: {
      std::uint8_t length = reader_.u8();
      return push(make_integer(decode_long_bytes(read_counted(length))));
    }
    case Op::LONG4: {
      auto length = static_cast<std::int32_t>(reader_.u32le());
      if (length < 0) reader_.fail("LONG pickle has negative byte count", op_offset_);
      return push(make_integer(decode_long_bytes(read_counted(static_cast<std::uint64_t>(length)))));
    }
    case Op::FLOAT: {
      std::optional<double> parsed = parse_float_line(read_line());
      if (!parsed) {
        soft_error("could not convert string to float");
        return push(kUnknown);
      }
      return push(make_float(*parsed));
    }
    case Op::BINFLOAT:
      return push(make_float(std::bit_cast<double>(reader_.u64be())));

    case Op::STRING:
    case Op::UNICODE: {
      std::string error;
      std::string_view line = read_line();
      std::optional<DecodedText> decoded = op == Op::STRING
                                               ? decode_string_line(line, kMaxDecodedText, error)
                                               : decode_raw_unicode_escape(line, kMaxDecodedText, error);
      if (!decoded) {
        soft_error(error);
        return push(kUnknown);
      }
      return push(make_decoded(Kind::str, std::move(*decoded), op == Op::STRING));
    }
    case Op::BINSTRING:
    case Op::SHORT_BINSTRING: {
      std::int64_t length = 0;
      if (op == Op::SHORT_BINSTRING) {
        length = reader_.u8();
      } else {
        length = static_cast<std::int32_t>(reader_.u32le());
        if (length < 0) reader_.fail("BINSTRING pickle has negative byte count", op_offset_);
      }
      std::uint64_t payload_offset = reader_.file_offset();
      Handle h = make_text(Kind::bytes, read_counted(static_cast<std::uint64_t>(length)), payload_offset);
      arena_.at(h).kind = Kind::str;  // a Python 2 str: text by default, bytes to some loaders
      arena_.at(h).py2_string = true;
      return push(h);
    }
    case Op::SHORT_BINUNICODE:
    case Op::BINUNICODE:
    case Op::BINUNICODE8: {
      std::uint64_t length = op == Op::SHORT_BINUNICODE ? reader_.u8()
                             : op == Op::BINUNICODE     ? reader_.u32le()
                                                        : reader_.u64le();
      std::uint64_t payload_offset = reader_.file_offset();
      return push(make_text(Kind::str, read_counted(length), payload_offset));
    }
    case Op::SHORT_BINBYTES:
    case Op::BINBYTES:
    case Op::BINBYTES8:
    case Op::BYTEARRAY8: {
      std::uint64_t length = op == Op::SHORT_BINBYTES ? reader_.u8()
                             : op == Op::BINBYTES     ? reader_.u32le()
                                                      : reader_.u64le();
      std::uint64_t payload_offset = reader_.file_offset();
      return push(make_text(op == Op::BYTEARRAY8 ? Kind::bytearray : Kind::bytes, read_counted(length),
                            payload_offset));
    }

    case Op::EMPTY_TUPLE:
      return push(make_collection(Kind::tuple, {}, 0));
    case Op::EMPTY_LIST:
      return push(make_collection(Kind::list, {}, 0));
    case Op::EMPTY_DICT:
      return push(make_collection(Kind::dict, {}, 0));
    case Op::EMPTY_SET:
      return push(make_collection(Kind::set, {}, 0));
    case Op::TUPLE1:
    case Op::TUPLE2:
    case Op::TUPLE3: {
      std::size_t count = static_cast<std::size_t>(op) - static_cast<std::size_t>(Op::TUPLE1) + 1;
      Handle items[3] = {kUnknown, kUnknown, kUnknown};
      for (std::size_t i = count; i-- > 0;) items[i] = pop();
      return push(make_collection(Kind::tuple, std::span<const Handle>(items, count), 0));
    }
    case Op::TUPLE:
    case Op::LIST:
    case Op::DICT:
    case Op::FROZENSET: {
      std::uint64_t forgotten = 0;
      pop_mark(scratch_, forgotten);
      Kind kind = op == Op::TUPLE  ? Kind::tuple
                  : op == Op::LIST ? Kind::list
                  : op == Op::DICT ? Kind::dict
                                   : Kind::frozenset;
      if (kind == Kind::dict && scratch_.size() % 2 != 0) {
        soft_error("odd number of items for DICT");
        scratch_.pop_back();
      }
      return push(make_collection(kind, scratch_, forgotten));
    }
    case Op::APPEND:
    case Op::APPENDS:
    case Op::SETITEM:
    case Op::SETITEMS:
    case Op::ADDITEMS:
      return op_add_to_container(op);

    case Op::GET:
      return memo_get_from_line(read_line());
    case Op::BINGET:
      return push(memo_get(reader_.u8()));
    case Op::LONG_BINGET:
      return push(memo_get(reader_.u32le()));
    case Op::PUT:
      return memo_put_from_line(read_line());
    case Op::BINPUT:
    case Op::LONG_BINPUT:
    case Op::MEMOIZE: {
      std::uint64_t index = op == Op::BINPUT        ? reader_.u8()
                            : op == Op::LONG_BINPUT ? reader_.u32le()
                                                    : memo_.logical_size;
      std::size_t fence = marks_.empty() ? 0 : marks_.back();
      if (stack_.size() <= fence && forgotten_.back() == 0) return soft_error("unpickling stack underflow");
      return memo_put(index, peek());
    }

    case Op::GLOBAL:
      return op_text_global(false);
    case Op::INST:
      return op_text_global(true);
    case Op::STACK_GLOBAL:
      return op_stack_global();
    case Op::REDUCE:
    case Op::NEWOBJ:
    case Op::NEWOBJ_EX:
    case Op::OBJ:
      return op_call(op);
    case Op::BUILD:
      return op_build();
    case Op::EXT1:
      return op_extension(reader_.u8());
    case Op::EXT2:
      return op_extension(reader_.u16le());
    case Op::EXT4:
      return op_extension(static_cast<std::int32_t>(reader_.u32le()));

    case Op::PERSID: {
      std::uint64_t line_offset = reader_.file_offset();
      std::string_view line = read_line();
      if (!is_ascii(line)) {
        soft_error("persistent IDs in protocol 0 must be ASCII strings");
        return push(kUnknown);
      }
      return op_persistent_id(make_text(Kind::str, as_bytes(line), line_offset), "PERSID");
    }
    case Op::BINPERSID:
      return op_persistent_id(pop(), "BINPERSID");

    case Op::PROTO: {
      std::uint8_t version = reader_.u8();
      if (version > kHighestProtocol)
        return soft_error("unsupported pickle protocol: " + std::to_string(version));
      protocol_ = version;
      trace_.max_protocol = std::max(trace_.max_protocol, protocol_);
      return;
    }
    case Op::FRAME: {
      // Frames only group opcodes for buffered reading; CPython's C unpickler parses across their borders.
      std::uint64_t length = reader_.u64le();
      if (length > reader_.remaining()) soft_error("FRAME length exceeds the data left");
      return;
    }
    case Op::NEXT_BUFFER: {
      Value buffer;
      buffer.kind = Kind::buffer;
      buffer.integer = static_cast<std::int64_t>(trace_.out_of_band_buffers++);
      buffer.offset = op_offset_;
      return push(make(std::move(buffer)));
    }
    case Op::READONLY_BUFFER: {
      Kind kind = kind_of(arena_, peek());
      if (kind != Kind::bytes && kind != Kind::bytearray && !is_opaque(kind)) {
        soft_error("a bytes-like object is required, not '" + std::string(kind_name(kind)) + "'");
      }
      return;
    }
  }
  reader_.fail("invalid opcode", op_offset_);
}

void Machine::op_text_global(bool inst) {
  const std::uint64_t module_offset = reader_.file_offset();
  std::string_view module = read_line();
  const std::uint64_t name_offset = reader_.file_offset();
  std::string_view name = read_line();
  const std::string_view opcode = inst ? "INST" : "GLOBAL";
  Handle global = kUnknown;
  if (module.empty() || name.empty()) {
    soft_error("pickle data was truncated (empty " + std::string(opcode) + " name)");
  } else if (inst ? !(is_ascii(module) && is_ascii(name))
                  : !(is_valid_utf8(module, false) && is_valid_utf8(name, false))) {
    soft_error(std::string(opcode) + (inst ? " names must be ASCII" : " names must be UTF-8"));
  } else {
    global = make_global(make_text(Kind::str, as_bytes(module), module_offset),
                         make_text(Kind::str, as_bytes(name), name_offset), true, opcode);
  }
  if (!inst) return push(global);
  std::uint64_t forgotten = 0;
  pop_mark(scratch_, forgotten);
  std::vector<Handle> args = scratch_;
  Handle arg_tuple = make_collection(Kind::tuple, args, forgotten);
  Value object;
  object.kind = Kind::call;  // INST calls the class
  object.items = {global, arg_tuple};
  object.offset = op_offset_;
  push(make(std::move(object)));
  record_call(opcode, global, "", args, forgotten, kAbsent);
}

void Machine::op_stack_global() {
  Handle name = pop();
  Handle module = pop();
  bool exact = true;
  bool impossible = false;
  auto operand = [&](Handle h) -> Handle {
    Kind kind = kind_of(arena_, h);
    if (kind == Kind::str) {
      exact = exact && !arena_.at(h).partial;
      return h;
    }
    if (!is_opaque(kind)) {
      impossible = true;
      return h;
    }
    exact = false;  // could be a str at run time (a call's result, a global such as os.sep)
    std::string description = describe_callable(arena_, h);
    if (kind == Kind::global) description = std::string("<").append(description).append(">");
    if (description.size() > 128) description.resize(128);
    return make_owned_text(std::move(description));
  };
  Handle module_text = operand(module);
  Handle name_text = operand(name);
  if (impossible) {
    soft_error("STACK_GLOBAL requires str");
    return push(kUnknown);
  }
  push(make_global(module_text, name_text, exact, "STACK_GLOBAL"));
}

void Machine::op_add_to_container(Op op) {
  std::vector<Handle> items;
  std::uint64_t forgotten = 0;
  if (op == Op::APPEND) {
    items = {pop()};
  } else if (op == Op::SETITEM) {
    Handle value = pop();
    Handle key = pop();
    items = {key, value};
  } else {
    pop_mark(scratch_, forgotten);
    items = scratch_;
  }
  const bool pairs = op == Op::SETITEM || op == Op::SETITEMS;
  if (pairs && items.size() % 2 != 0) {
    soft_error("odd number of items for SETITEMS");
    items.pop_back();
  }
  Handle target = peek();
  Kind kind = kind_of(arena_, target);
  const Kind expected = pairs ? Kind::dict : op == Op::ADDITEMS ? Kind::set : Kind::list;
  if (kind == expected) {
    Value& container = arena_.at(target);
    const std::size_t keep = pairs ? 2 * kRetainedItems : kRetainedItems;
    for (Handle item : items) {
      if (container.items.size() < keep) {
        container.items.push_back(item);
      } else {
        container.partial = true;
      }
    }
    container.size += (pairs ? items.size() / 2 : items.size()) + forgotten;
    container.partial = container.partial || forgotten > 0;
    return;
  }
  if (items.empty() && forgotten == 0) return;  // the C unpickler calls nothing for an empty batch
  if (is_opaque(kind)) {
    // The C unpickler calls extend() for APPEND too (append() only when there is no extend).
    std::string_view method = pairs ? "__setitem__" : op == Op::ADDITEMS ? "add" : "extend";
    return record_call(opcode_name(static_cast<std::uint8_t>(op)), target, method, items, forgotten, kAbsent,
                       pairs);
  }
  std::string message = "'";
  message.append(kind_name(kind)).append("' object does not support ");
  message.append(opcode_name(static_cast<std::uint8_t>(op)));
  soft_error(std::move(message));
}

void Machine::op_build() {
  Handle state = pop();
  Handle target = peek();
  // Plain containers and constants have no __setstate__: CPython would update their __dict__ (and fail).
  if (is_opaque(kind_of(arena_, target))) {
    Handle args[1] = {state};
    record_call("BUILD", target, "__setstate__", args, 0, kAbsent);
  }
  if (options_.build_inspector == nullptr) return;
  std::optional<PickleInlineData> inline_data =
      options_.build_inspector->after_build(arena_, target, state, data_.subspan(reader_.position()));
  if (inline_data) step_over_inline_data(*inline_data);
}

void Machine::step_over_inline_data(const PickleInlineData& inline_data) {
  if (inline_data.size_unknown)
    throw LimitError("pickle",
                     "raw data the loader reads in the middle of the pickle has a size this scan cannot work "
                     "out, so what follows it cannot be read as the loader reads it",
                     reader_.file_offset());
  if (!inline_data.nested_pickle) {
    if (inline_data.skip > reader_.remaining())
      throw FormatError("pickle", "inline array data runs past the end of the stream", reader_.file_offset());
    reader_.seek(reader_.position() + inline_data.skip);
    return;
  }
  // A plain pickle.load on the same file: a fresh unpickler without the inspector, so no recursion.
  std::uint64_t budget =
      limits_.max_pickle_ops > trace_.opcode_count ? limits_.max_pickle_ops - trace_.opcode_count : 0;
  Machine nested(data_, limits_, base_, trace_, trace_embedded_);
  RunResult result = nested.run_one(reader_.position(), budget);
  if (result.outcome != Outcome::stopped)
    throw FormatError("pickle", "the nested pickle of an inline object array did not finish",
                      reader_.file_offset());
  reader_.seek(nested.position());
}

// Protocol 2 pickles bytes as _codecs.encode(str, 'latin1'): model the result as the bytes it is, so that
// payloads handed to loaders (torch.storage._load_from_bytes) are scanned at every protocol.
std::optional<Handle> Machine::latin1_encoded(Handle callee, Handle args) {
  const Value* global = origin_global(arena_, callee);
  if (global == nullptr || kind_of(arena_, callee) != Kind::global ||
      global_module(arena_, *global) != "_codecs" || global_qualname(arena_, *global) != "encode" ||
      kind_of(arena_, args) != Kind::tuple)
    return std::nullopt;
  const Value& tuple = arena_.at(args);
  if (tuple.size != 2 || tuple.items.size() != 2 || !is_text(arena_, tuple.items[0]) ||
      !is_text(arena_, tuple.items[1]))
    return std::nullopt;
  std::string_view encoding = arena_.at(tuple.items[1]).payload();
  if (encoding != "latin1" && encoding != "latin-1" && encoding != "iso-8859-1") return std::nullopt;
  const Value& text = arena_.at(tuple.items[0]);
  if (text.partial || text.size > limits_.max_pickle_embedded_bytes) return std::nullopt;
  std::string_view utf8 = text.payload();
  std::string bytes;
  bytes.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    unsigned char lead = static_cast<unsigned char>(utf8[i]);
    if (lead < 0x80) {
      bytes.push_back(static_cast<char>(lead));
    } else if ((lead == 0xc2 || lead == 0xc3) && i + 1 < utf8.size()) {
      unsigned char next = static_cast<unsigned char>(utf8[++i]);
      bytes.push_back(static_cast<char>(((lead & 0x03) << 6) | (next & 0x3f)));
    } else {
      return std::nullopt;  // a code point above U+00FF: CPython raises UnicodeEncodeError
    }
  }
  Value value;
  value.kind = Kind::bytes;
  value.size = bytes.size();
  value.text = std::move(bytes);
  value.offset = op_offset_;
  return make(std::move(value));
}

void Machine::op_call(Op op) {
  Handle kwargs = kAbsent;
  Handle args = kUnknown;
  Handle callee = kUnknown;
  std::uint64_t forgotten = 0;
  if (op == Op::OBJ) {
    pop_mark(scratch_, forgotten);
    if (scratch_.empty()) {
      soft_error(forgotten > 0 ? "OBJ class forgotten past the stack limit" : "unpickling stack underflow");
      return push(kUnknown);
    }
    callee = scratch_.front();
    args = make_collection(Kind::tuple, std::span<const Handle>(scratch_).subspan(1), forgotten);
  } else {
    if (op == Op::NEWOBJ_EX) kwargs = pop();
    args = pop();
    callee = pop();
  }
  Value result;
  // REDUCE, INST and OBJ call the callable; NEWOBJ(_EX) only runs cls.__new__.
  result.kind = op == Op::REDUCE || op == Op::OBJ ? Kind::call : Kind::object;
  result.items = {callee, args};
  if (kwargs != kAbsent) result.items.push_back(kwargs);
  result.offset = op_offset_;
  if (op == Op::REDUCE) note_extension_registration(callee, args);
  std::optional<Handle> encoded = op == Op::REDUCE ? latin1_encoded(callee, args) : std::nullopt;
  push(encoded ? *encoded : make(std::move(result)));

  const std::string_view opcode = opcode_name(static_cast<std::uint8_t>(op));
  if (kind_of(arena_, args) == Kind::tuple) {
    const Value& tuple = arena_.at(args);
    std::vector<Handle> positional = tuple.items;
    record_call(opcode, callee, "", positional, tuple.size - positional.size(), kwargs);
  } else {
    Handle star[1] = {args};
    record_call(opcode, callee, "", star, 0, kwargs, /*pairs=*/false, /*star_args=*/true);
  }
}

void Machine::op_persistent_id(Handle pid, std::string_view opcode) {
  Value value;
  value.kind = Kind::persistent_id;
  value.items = {pid};
  value.offset = op_offset_;
  push(make(std::move(value)));
  if (has_room(trace_.persistent_ids)) {
    std::string summary = render(arena_, pid, {.max_chars = summary_budget_ > 0 ? std::size_t{512} : 64});
    summary_budget_ -= std::min(summary_budget_, summary.size());
    trace_.persistent_ids.push_back({std::move(summary), op_offset_, std::string(opcode)});
  } else {
    trace_.truncated = true;
  }
}

void Machine::note_extension_registration(Handle callee, Handle args) {
  if (kind_of(arena_, callee) != Kind::global || kind_of(arena_, args) != Kind::tuple) return;
  const Value& global = arena_.at(callee);
  if (global_module(arena_, global) != "copyreg" || global_qualname(arena_, global) != "add_extension")
    return;
  const Value& tuple = arena_.at(args);
  if (tuple.items.size() != 3 || !is_text(arena_, tuple.items[0]) || !is_text(arena_, tuple.items[1]) ||
      !is_small_int(tuple.items[2]))
    return;
  constexpr std::size_t kLongestImportableName = 1024;  // no real module or attribute name is longer
  if (extensions_.size() >= limits_.max_pickle_records ||
      arena_.at(tuple.items[0]).payload().size() > kLongestImportableName ||
      arena_.at(tuple.items[1]).payload().size() > kLongestImportableName)
    return;
  extensions_[small_int_value(tuple.items[2])] = {std::string(arena_.at(tuple.items[0]).payload()),
                                                  std::string(arena_.at(tuple.items[1]).payload())};
}

void Machine::op_extension(std::int64_t code) {
  if (code <= 0) soft_error("EXT specifies code <= 0");
  const std::uint8_t opcode_byte = data_[static_cast<std::size_t>(op_offset_ - base_)];
  if (auto registered = extensions_.find(code); registered != extensions_.end()) {
    // The unpickler imports the registered name through find_class, exactly like GLOBAL.
    Handle module = make_owned_text(registered->second.first);
    Handle qualname = make_owned_text(registered->second.second);
    return push(make_global(module, qualname, true, opcode_name(opcode_byte)));
  }
  Value value;
  value.kind = Kind::extension;
  value.integer = code;
  value.offset = op_offset_;
  Handle h = make(std::move(value));
  push(h);
  record_call(opcode_name(opcode_byte), h, "", {}, 0, kAbsent);
}

}  // namespace ms::pickle_vm
