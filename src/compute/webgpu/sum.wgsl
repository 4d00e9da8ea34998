// Per workgroup: compensated sum of the finite values, their count, and whether +∞ / −∞ occurred.
// Values are scaled by a power of two (exact) chosen by the host from the largest magnitude, so
// float32 partial sums neither overflow nor lose small values to underflow; the host scales back
// in float64. The factor comes in two parts because it may exceed the float32 range.
struct Params { length: u32, groups: u32, scale_a: f32, scale_b: f32 }
struct Partial { sum: f32, count: u32, positive_infinity: u32, negative_infinity: u32 }

@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> partials: array<Partial>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> shared_sum: array<f32, 256>;
var<workgroup> shared_count: array<u32, 256>;
var<workgroup> shared_flags: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) local: u32, @builtin(workgroup_id) group: vec3<u32>) {
  var total = 0.0;
  var compensation = 0.0;
  var count = 0u;
  var flags = 0u;
  let stride = params.groups * 256u;
  for (var index = group.x * 256u + local; index < params.length; index += stride) {
    let bits = data[index];
    if ((bits & 0x7f800000u) == 0x7f800000u) {
      if ((bits & 0x007fffffu) == 0u) {
        count += 1u;
        flags |= select(1u, 2u, (bits & 0x80000000u) != 0u);
      }
    } else {
      count += 1u;
      let y = bitcast<f32>(bits) * params.scale_a * params.scale_b - compensation;
      let t = total + y;
      compensation = (t - total) - y;
      total = t;
    }
  }
  shared_sum[local] = total;
  shared_count[local] = count;
  shared_flags[local] = flags;
  workgroupBarrier();
  for (var step = 128u; step > 0u; step >>= 1u) {
    if (local < step) {
      shared_sum[local] += shared_sum[local + step];
      shared_count[local] += shared_count[local + step];
      shared_flags[local] |= shared_flags[local + step];
    }
    workgroupBarrier();
  }
  if (local == 0u) {
    let f = shared_flags[0];
    partials[group.x] = Partial(shared_sum[0], shared_count[0], f & 1u, (f >> 1u) & 1u);
  }
}
