// Shared helpers. WGSL lets implementations assume no NaN or infinity reaches float arithmetic, so
// values are classified and ordered through their bits: key(x) is a u32 that sorts like the float
// (−∞ < … < −0 < +0 < … < +∞), which makes min, max and bin search exact on any GPU.
fn is_nan_bits(bits: u32) -> bool {
  return (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0u;
}

fn order_key(bits: u32) -> u32 {
  if ((bits & 0x80000000u) != 0u) {
    return ~bits;
  }
  return bits | 0x80000000u;
}
