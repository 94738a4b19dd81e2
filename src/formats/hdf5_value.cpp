#include <cmath>
#include <cstring>
#include <limits>

#include "formats/hdf5_internal.hpp"

namespace ms::hdf5_internal {

namespace {

using Class = Hdf5Datatype::Class;

bool simple_class(const Hdf5Datatype& t) {
  switch (t.type_class) {
    case Class::fixed_point:
    case Class::floating_point:
    case Class::enumeration:
    case Class::string:
      return true;
    case Class::variable_length:
      return t.vlen_string;
    default:
      return false;
  }
}

// Bits [position, position + width) of a little-endian buffer (width <= 64; bits past the end read 0).
std::uint64_t bit_range(const std::uint8_t* le, std::size_t n, unsigned position, unsigned width) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i) {
    unsigned bit = position + i;
    if (bit / 8 >= n) break;
    if ((le[bit / 8] >> (bit % 8)) & 1) v |= std::uint64_t{1} << i;
  }
  return v;
}

// Element bytes in little-endian order.
void to_little_endian(Bytes raw, bool big_endian, std::uint8_t* out) {
  for (std::size_t i = 0; i < raw.size(); ++i) out[i] = big_endian ? raw[raw.size() - 1 - i] : raw[i];
}

std::uint64_t integer_bits(Context& ctx, const Hdf5Datatype& t, Bytes raw, std::uint64_t where) {
  if (t.size == 0 || t.size > 8)
    ctx.fail("integer of " + std::to_string(t.size) + " bytes is not supported", where);
  std::uint8_t le[8] = {};
  to_little_endian(raw, t.big_endian, le);
  unsigned precision = t.precision == 0 || t.precision > 64 ? 8 * t.size : t.precision;
  std::uint64_t v = bit_range(le, t.size, t.bit_offset, precision);
  if (t.is_signed && precision < 64 && ((v >> (precision - 1)) & 1)) v |= ~std::uint64_t{0} << precision;
  return v;
}

double float_value(Context& ctx, const Hdf5Datatype& t, Bytes raw, std::uint64_t where) {
  if (t.size == 0 || t.size > 16)
    ctx.fail("float of " + std::to_string(t.size) + " bytes is not supported", where);
  std::uint8_t le[16] = {};
  to_little_endian(raw, t.big_endian, le);
  unsigned mantissa_bits = t.mantissa_size;
  unsigned exponent_bits = t.exponent_size;
  if (exponent_bits == 0 || exponent_bits > 32 || mantissa_bits == 0 || mantissa_bits > 120)
    ctx.fail("unsupported floating-point layout", where);
  bool negative = bit_range(le, t.size, t.sign_location, 1) != 0;
  std::uint64_t exponent = bit_range(le, t.size, t.exponent_location, exponent_bits);
  // The top (up to) 64 mantissa bits: enough for a double.
  unsigned kept = std::min(mantissa_bits, 64u);
  std::uint64_t mantissa = bit_range(le, t.size, t.mantissa_location + (mantissa_bits - kept), kept);
  int scale = -static_cast<int>(mantissa_bits);  // value of the mantissa's least significant kept bit...
  scale += static_cast<int>(mantissa_bits - kept);
  const std::uint64_t exponent_max = (exponent_bits >= 64) ? ~0ull : (std::uint64_t{1} << exponent_bits) - 1;
  const std::int64_t bias = t.exponent_bias;
  double value;
  bool implied = t.mantissa_normalization == 2;
  if (exponent == exponent_max) {
    std::uint64_t fraction = mantissa;
    if (!implied && kept == mantissa_bits) fraction &= kept >= 64 ? ~(1ull << 63) : ~(1ull << (kept - 1));
    value =
        fraction == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else if (implied) {
    if (exponent == 0) {
      value = std::ldexp(static_cast<double>(mantissa), static_cast<int>(1 - bias) + scale);
    } else {
      value = std::ldexp(1.0 + std::ldexp(static_cast<double>(mantissa), scale),
                         static_cast<int>(static_cast<std::int64_t>(exponent) - bias));
    }
  } else {
    // The most significant mantissa bit is stored (x87 extended precision).
    std::int64_t e = std::max<std::int64_t>(static_cast<std::int64_t>(exponent), 1) - bias;
    value = std::ldexp(static_cast<double>(mantissa), static_cast<int>(e) + scale + 1);
  }
  return negative ? -value : value;
}

std::string fixed_string(Bytes raw, Hdf5Datatype::StringPad pad) {
  std::string_view s = as_chars(raw);
  switch (pad) {
    case Hdf5Datatype::StringPad::null_terminated:
      return std::string(s.substr(0, s.find('\0')));
    case Hdf5Datatype::StringPad::null_padded: {
      std::size_t end = s.find_last_not_of('\0');
      return std::string(end == std::string_view::npos ? std::string_view() : s.substr(0, end + 1));
    }
    case Hdf5Datatype::StringPad::space_padded: {
      s = s.substr(0, s.find('\0'));
      std::size_t end = s.find_last_not_of(' ');
      return std::string(end == std::string_view::npos ? std::string_view() : s.substr(0, end + 1));
    }
  }
  return std::string(s);
}

// A variable-length element: sequence length (4), global heap collection address (O), object index (4).
Bytes vlen_payload(Context& ctx, ByteReader& r, std::uint64_t element_size) {
  std::uint64_t where = r.file_offset();
  std::uint32_t length = r.u32le();
  std::uint64_t collection = ctx.read_address(r);
  std::uint32_t index = r.u32le();
  if (length == 0) return {};
  std::uint64_t need = saturating_mul(length, element_size);
  ctx.charge_metadata_bytes(need, where);
  Bytes object = global_heap_object(ctx, collection, index);
  if (need > object.size())
    ctx.fail("variable-length element of " + std::to_string(need) +
                 " bytes is larger than its heap object (" + std::to_string(object.size()) + " bytes)",
             where);
  return object.first(need);
}

void decode_simple(Context& ctx, const Hdf5Datatype& t, Bytes raw, std::uint64_t where, Hdf5Value& v) {
  switch (t.type_class) {
    case Class::fixed_point:
      v.integers.push_back(static_cast<std::int64_t>(integer_bits(ctx, t, raw, where)));
      break;
    case Class::enumeration:
      v.integers.push_back(static_cast<std::int64_t>(integer_bits(ctx, t.base.front(), raw, where)));
      break;
    case Class::floating_point:
      v.floats.push_back(float_value(ctx, t, raw, where));
      break;
    case Class::string:
      v.strings.push_back(fixed_string(raw, t.pad));
      break;
    case Class::variable_length: {
      ByteReader r(raw, kFormat, where);
      Bytes payload = vlen_payload(ctx, r, 1);
      std::string_view s = as_chars(payload);
      v.strings.emplace_back(s.substr(0, s.find('\0')));  // read back as a C string, as h5py does
      break;
    }
    default:
      ctx.fail("undecodable type", where);
  }
}

Hdf5Value::Kind kind_of(const Hdf5Datatype& t) {
  switch (t.type_class) {
    case Class::fixed_point:
    case Class::enumeration:
      return Hdf5Value::Kind::integer;
    case Class::floating_point:
      return Hdf5Value::Kind::floating;
    default:
      return Hdf5Value::Kind::string;
  }
}

bool unsigned_type(const Hdf5Datatype& t) {
  if (t.type_class == Class::enumeration) return !t.base.empty() && !t.base.front().is_signed;
  return t.type_class == Class::fixed_point && !t.is_signed;
}

}  // namespace

bool decodable(const Hdf5Datatype& type) {
  if (simple_class(type)) {
    if (type.type_class == Class::enumeration)
      return !type.base.empty() && type.base.front().type_class == Class::fixed_point;
    return true;
  }
  if (type.type_class == Class::array)
    return !type.base.empty() && decodable(type.base.front()) && type.base.front().type_class != Class::array;
  if (type.type_class == Class::variable_length && !type.vlen_string && !type.base.empty()) {
    Class c = type.base.front().type_class;
    return c == Class::fixed_point || c == Class::floating_point;
  }
  return false;
}

Hdf5Value decode_value(Context& ctx, const Hdf5Datatype& type, const std::vector<std::uint64_t>& dims,
                       bool null_dataspace, ByteReader data) {
  Hdf5Value v;
  v.type_description = type.description();
  v.null_dataspace = null_dataspace;
  v.dims = dims;
  if (null_dataspace) return v;
  std::uint64_t count = 1;
  for (std::uint64_t d : dims) count = saturating_mul(count, d);
  if (type.type_class == Class::array)
    v.dims.insert(v.dims.end(), type.array_dims.begin(), type.array_dims.end());
  std::uint64_t need = saturating_mul(count, type.size);
  if (need > data.remaining())
    ctx.fail("attribute declares " + std::to_string(need) + " bytes of data but holds " +
                 std::to_string(data.remaining()),
             data.file_offset());
  if (!decodable(type)) return v;
  ctx.charge_metadata_bytes(need, data.file_offset());

  const Hdf5Datatype* element = &type;
  std::uint64_t per_element = 1;
  if (type.type_class == Class::array) {
    element = &type.base.front();
    for (std::uint32_t d : type.array_dims) per_element = saturating_mul(per_element, d);
    if (saturating_mul(per_element, element->size) != type.size)
      ctx.fail("array datatype size does not match its dimensions", data.file_offset());
  }
  std::uint64_t total = saturating_mul(count, per_element);
  if (element->size == 0 && total > 0) ctx.fail("zero-size datatype", data.file_offset());

  if (element->type_class == Class::variable_length && !element->vlen_string) {
    v.kind = Hdf5Value::Kind::sequence;
    const Hdf5Datatype& base = element->base.front();
    for (std::uint64_t i = 0; i < total; ++i) {
      ctx.step();
      ByteReader r = data.sub(element->size);
      Bytes payload = vlen_payload(ctx, r, base.size);
      Hdf5Value item;
      item.kind = kind_of(base);
      item.unsigned_integers = unsigned_type(base);
      item.type_description = base.description();
      std::uint64_t n = base.size ? payload.size() / base.size : 0;
      item.dims = {n};
      for (std::uint64_t j = 0; j < n; ++j)
        decode_simple(ctx, base, payload.subspan(j * base.size, base.size), r.file_offset(), item);
      v.sequences.push_back(std::move(item));
    }
    return v;
  }

  v.kind = kind_of(*element);
  v.unsigned_integers = unsigned_type(*element);
  for (std::uint64_t i = 0; i < total; ++i) {
    ctx.step();
    std::uint64_t where = data.file_offset();
    decode_simple(ctx, *element, data.bytes(element->size), where, v);
  }
  if (v.kind == Hdf5Value::Kind::string) {
    std::uint64_t text = 0;
    for (const std::string& s : v.strings) text += s.size();
    ctx.charge_metadata_bytes(text, data.file_offset());
  }
  return v;
}

}  // namespace ms::hdf5_internal
