#include <cstring>

#include "formats/hdf5_internal.hpp"

namespace ms {

namespace {

std::string join_dims(const std::vector<std::uint32_t>& dims) {
  std::string out;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) out += 'x';
    out += std::to_string(dims[i]);
  }
  return out;
}

std::string endian_suffix(const Hdf5Datatype& t) { return t.big_endian ? " (big-endian)" : ""; }

}  // namespace

std::string Hdf5Datatype::description() const {
  using C = Class;
  const std::string bits = std::to_string(8ull * size);
  switch (type_class) {
    case C::fixed_point:
      return (is_signed ? "int" : "uint") + bits + endian_suffix(*this);
    case C::floating_point:
      return "float" + bits + endian_suffix(*this);
    case C::time:
      return "time" + bits;
    case C::string:
    case C::variable_length: {
      if (type_class == C::variable_length && !vlen_string)
        return "vlen<" + (base.empty() ? std::string("?") : base.front().description()) + ">";
      std::string charset_name = charset == Charset::utf8 ? "utf-8" : "ascii";
      std::string pad_name = pad == StringPad::null_terminated ? "null-terminated"
                             : pad == StringPad::null_padded   ? "null-padded"
                                                               : "space-padded";
      if (vlen_string) return "vlen " + charset_name + " string";
      return "string[" + std::to_string(size) + "] " + charset_name + " " + pad_name;
    }
    case C::bitfield:
      return "bitfield" + bits + endian_suffix(*this);
    case C::opaque:
      return "opaque[" + std::to_string(size) + "]" + (opaque_tag.empty() ? "" : " \"" + opaque_tag + "\"");
    case C::compound: {
      std::string out = "compound{";
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i) out += ',';
        out +=
            members[i].name + ":" + members[i].type.description() + "@" + std::to_string(members[i].offset);
      }
      return out + "}";
    }
    case C::reference:
      return reference_type == 0 ? "object reference" : "region reference";
    case C::enumeration: {
      std::string out = "enum<" + (base.empty() ? std::string("?") : base.front().description()) + ">{";
      for (std::size_t i = 0; i < enum_members.size(); ++i) {
        if (i) out += ',';
        out += enum_members[i].name + "=" + std::to_string(enum_members[i].value);
      }
      return out + "}";
    }
    case C::array:
      return "array[" + join_dims(array_dims) + "]<" +
             (base.empty() ? std::string("?") : base.front().description()) + ">";
  }
  return "unknown";
}

}  // namespace ms

namespace ms::hdf5_internal {

namespace {

using Class = Hdf5Datatype::Class;

// NUL-terminated name; when `pad8`, the name plus its NUL occupies a multiple of 8 bytes.
std::string read_name(Context& ctx, ByteReader& r, bool pad8) {
  Bytes rest = r.data().subspan(r.position());
  const void* nul = std::memchr(rest.data(), 0, rest.size());
  if (!nul) ctx.fail("name without NUL terminator", r.file_offset());
  std::size_t length = static_cast<const std::uint8_t*>(nul) - rest.data();
  std::string name(as_chars(rest.first(length)));
  std::size_t used = length + 1;
  if (pad8) used = (used + 7) / 8 * 8;
  r.skip(std::min<std::uint64_t>(used, r.remaining()));
  return name;
}

std::int64_t read_enum_value(ByteReader& r, const Hdf5Datatype& base) {
  Bytes raw = r.bytes(base.size);
  std::uint64_t v = 0;
  std::size_t n = std::min<std::size_t>(raw.size(), 8);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t index = base.big_endian ? raw.size() - 1 - i : i;
    v |= static_cast<std::uint64_t>(raw[index]) << (8 * i);
  }
  if (base.is_signed && n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t{0} << (8 * n);
  return static_cast<std::int64_t>(v);
}

void parse_compound(Context& ctx, ByteReader& r, Hdf5Datatype& t, std::uint32_t bits, unsigned depth) {
  unsigned count = bits & 0xffff;
  for (unsigned i = 0; i < count; ++i) {
    ctx.step();
    Hdf5CompoundMember member;
    member.name = read_name(ctx, r, t.version < 3);
    if (t.version >= 3) {
      member.offset = r.uint_le(bytes_needed(t.size));
    } else {
      member.offset = r.u32le();
    }
    std::vector<std::uint32_t> old_dims;
    if (t.version == 1) {
      unsigned rank = r.u8();
      r.skip(3 + 4 + 4);  // reserved, permutation, reserved
      for (unsigned d = 0; d < 4; ++d) {
        std::uint32_t dim = r.u32le();
        if (d < rank) old_dims.push_back(dim);
      }
      if (rank > 4) ctx.fail("compound member with more than 4 dimensions", r.file_offset());
    }
    member.type = parse_datatype(ctx, r, depth + 1);
    if (!old_dims.empty()) {
      // Version 1 array members are what later versions express as an array datatype.
      Hdf5Datatype array;
      array.type_class = Class::array;
      array.version = 2;
      array.array_dims = old_dims;
      std::uint64_t n = 1;
      for (std::uint32_t d : old_dims) n = saturating_mul(n, d);
      array.size = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(saturating_mul(n, member.type.size), UINT32_MAX));
      array.base.push_back(std::move(member.type));
      member.type = std::move(array);
    }
    t.members.push_back(std::move(member));
  }
}

void parse_enum(Context& ctx, ByteReader& r, Hdf5Datatype& t, std::uint32_t bits, unsigned depth) {
  unsigned count = bits & 0xffff;
  t.base.push_back(parse_datatype(ctx, r, depth + 1));
  const Hdf5Datatype& base = t.base.front();
  if (base.type_class != Class::fixed_point) ctx.fail("enumeration over a non-integer type", r.file_offset());
  std::vector<std::string> names;
  for (unsigned i = 0; i < count; ++i) {
    ctx.step();
    names.push_back(read_name(ctx, r, t.version < 3));
  }
  for (unsigned i = 0; i < count; ++i)
    t.enum_members.push_back({std::move(names[i]), read_enum_value(r, base)});
}

void parse_array(Context& ctx, ByteReader& r, Hdf5Datatype& t, unsigned depth) {
  unsigned rank = r.u8();
  if (rank == 0 || rank > kMaxRank)
    ctx.fail("array datatype of rank " + std::to_string(rank), r.file_offset());
  if (t.version < 3) r.skip(3);
  for (unsigned i = 0; i < rank; ++i) t.array_dims.push_back(r.u32le());
  if (t.version < 3) r.skip(4ull * rank);  // permutation indices (never implemented)
  t.base.push_back(parse_datatype(ctx, r, depth + 1));
}

}  // namespace

Hdf5Datatype parse_datatype(Context& ctx, ByteReader& r, unsigned depth) {
  if (depth > kMaxDatatypeDepth) ctx.fail("datatype nested too deeply", r.file_offset());
  ctx.step();
  Hdf5Datatype t;
  std::uint64_t start = r.file_offset();
  std::uint8_t class_and_version = r.u8();
  unsigned type_class = class_and_version & 0x0f;
  t.version = class_and_version >> 4;
  std::uint32_t bits = r.u8();
  bits |= static_cast<std::uint32_t>(r.u8()) << 8;
  bits |= static_cast<std::uint32_t>(r.u8()) << 16;
  t.size = r.u32le();
  if (t.version < 1 || t.version > 4)
    ctx.fail("unsupported datatype version " + std::to_string(t.version), start);
  switch (type_class) {
    case 0:  // fixed-point
    case 4:  // bitfield
      t.type_class = type_class == 0 ? Class::fixed_point : Class::bitfield;
      t.big_endian = bits & 0x01;
      t.is_signed = type_class == 0 && (bits & 0x08);
      t.bit_offset = r.u16le();
      t.precision = r.u16le();
      break;
    case 1:  // floating-point
      t.type_class = Class::floating_point;
      t.big_endian = bits & 0x01;
      if (bits & 0x40) ctx.fail("VAX byte order floating point is not supported", start);
      t.mantissa_normalization = (bits >> 4) & 0x03;
      t.sign_location = (bits >> 8) & 0xff;
      t.bit_offset = r.u16le();
      t.precision = r.u16le();
      t.exponent_location = r.u8();
      t.exponent_size = r.u8();
      t.mantissa_location = r.u8();
      t.mantissa_size = r.u8();
      t.exponent_bias = r.u32le();
      break;
    case 2:  // time
      t.type_class = Class::time;
      t.big_endian = bits & 0x01;
      t.precision = r.u16le();
      break;
    case 3:  // fixed-length string
      t.type_class = Class::string;
      t.pad = static_cast<Hdf5Datatype::StringPad>(std::min<unsigned>(bits & 0x0f, 2));
      t.charset = static_cast<Hdf5Datatype::Charset>(std::min<unsigned>((bits >> 4) & 0x0f, 1));
      break;
    case 5: {  // opaque
      t.type_class = Class::opaque;
      Bytes tag = r.bytes(bits & 0xff);
      std::string_view text = as_chars(tag);
      t.opaque_tag = std::string(text.substr(0, text.find('\0')));
      break;
    }
    case 6:
      t.type_class = Class::compound;
      parse_compound(ctx, r, t, bits, depth);
      break;
    case 7:
      t.type_class = Class::reference;
      t.reference_type = bits & 0x0f;
      break;
    case 8:
      t.type_class = Class::enumeration;
      parse_enum(ctx, r, t, bits, depth);
      break;
    case 9:
      t.type_class = Class::variable_length;
      t.vlen_string = (bits & 0x0f) == 1;
      t.pad = static_cast<Hdf5Datatype::StringPad>(std::min<unsigned>((bits >> 4) & 0x0f, 2));
      t.charset = static_cast<Hdf5Datatype::Charset>(std::min<unsigned>((bits >> 8) & 0x0f, 1));
      t.base.push_back(parse_datatype(ctx, r, depth + 1));
      break;
    case 10:
      t.type_class = Class::array;
      parse_array(ctx, r, t, depth);
      break;
    default:
      ctx.fail("unknown datatype class " + std::to_string(type_class), start);
  }
  return t;
}

Hdf5Datatype parse_datatype_message(Context& ctx, Bytes data, std::uint64_t offset, bool shared,
                                    unsigned hops) {
  ByteReader r(data, kFormat, offset);
  if (!shared) return parse_datatype(ctx, r);
  // A shared message: the datatype lives in another object's header (a committed datatype).
  unsigned version = r.u8();
  unsigned type = r.u8();
  std::uint64_t address = kHdf5Undefined;
  if (version == 1) {
    r.skip(6);
    address = ctx.read_address(r);
  } else if (version == 2) {
    address = ctx.read_address(r);
  } else if (version == 3) {
    if (type == 1)
      ctx.fail("datatype stored in the shared object header message heap is not supported", offset);
    if (type != 2)
      ctx.fail("shared datatype message of unknown location type " + std::to_string(type), offset);
    address = ctx.read_address(r);
  } else {
    ctx.fail("unknown shared message version " + std::to_string(version), offset);
  }
  if (hops >= kMaxSharedHops) ctx.fail("shared datatype references chain too long", offset);
  // Many attributes and datasets may share one committed type: resolve each address once.
  auto cached = ctx.committed_types.find(address);
  if (cached == ctx.committed_types.end()) {
    try {
      ObjectHeader header = read_object_header(ctx, address);
      const Message* message = header.first(kMsgDatatype);
      if (!message) ctx.fail("committed datatype object has no datatype message", offset);
      Hdf5Datatype t =
          parse_datatype_message(ctx, message->data, message->offset, message->flags & 0x02, hops + 1);
      t.committed_address = address;
      cached = ctx.committed_types.emplace(address, std::move(t)).first;
    } catch (const LimitError&) {
      throw;
    } catch (const FormatError& e) {
      cached = ctx.committed_types.emplace(address, e).first;
    }
  }
  if (const FormatError* error = std::get_if<FormatError>(&cached->second)) throw *error;
  ctx.step();
  return std::get<Hdf5Datatype>(cached->second);
}

}  // namespace ms::hdf5_internal
