/**
 * GradBench's `ht` eval (hand tracking, from ADBench): the residuals between measured 3D points
 * and the points of a skinned hand model posed by 26 parameters theta (global rotation, global
 * translation, then 4 angles per finger).
 *
 * Matrices: bone transforms are 4 x 4, stored row-major in 16 consecutive numbers (a row of
 * baseRelatives / inverseBaseAbsolutes, or a 16-element slot of a local array); 3 x 3 rotations
 * likewise in 9 numbers; the pose parameters are 3 x (bones + 3), column-major (column c in
 * pose[3c .. 3c + 2]); vertex positions are 3 x vertices, column-major (vertex v in
 * positions[3v .. 3v + 2]). basePositions[v] is vertex v in homogeneous coordinates and
 * weights[v][bone] the skinning weight of bone for vertex v.
 *
 * `handObjective` is the simple variant (each point corresponds to a vertex), and
 * `handObjectiveComplicated` the complicated one (each point corresponds to a point of a
 * triangle, with barycentric coordinates us, also differentiated). The Jacobians are assembled
 * by the tool from one vector-Jacobian product per residual.
 */
import type { int } from "adjoint";

/** out[outOffset ..] = a[aOffset ..] * b[bOffset ..] for 4 x 4 row-major matrices. */
function matMul4(a: Float64Array, aOffset: int, b: Float64Array, bOffset: int, out: Float64Array, outOffset: int): void {
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) {
        s += a[aOffset + r * 4 + k] * b[bOffset + k * 4 + c];
      }
      out[outOffset + r * 4 + c] = s;
    }
  }
}

/** out = a * b for 3 x 3 row-major matrices. */
function matMul3(a: Float64Array, b: Float64Array, out: Float64Array): void {
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) {
        s += a[r * 3 + k] * b[k * 3 + c];
      }
      out[r * 3 + c] = s;
    }
  }
}

/** The rotation matrix of the angle-axis vector pose[offset .. offset + 2], written into r. */
function angleAxisToRotationMatrix(pose: Float64Array, offset: int, r: Float64Array): void {
  const norm = Math.sqrt(
    pose[offset] * pose[offset] + pose[offset + 1] * pose[offset + 1] + pose[offset + 2] * pose[offset + 2],
  );
  // (written with else rather than an early `return;`, which adjoint does not accept in a
  // void helper yet: AD1003)
  if (norm < 0.0001) {
    for (let i = 0; i < 9; i++) {
      r[i] = i % 4 === 0 ? 1 : 0;
    }
  } else {
    const x = pose[offset] / norm;
    const y = pose[offset + 1] / norm;
    const z = pose[offset + 2] / norm;
    const s = Math.sin(norm);
    const c = Math.cos(norm);
    r[0] = x * x + (1 - x * x) * c;
    r[1] = x * y * (1 - c) - z * s;
    r[2] = x * z * (1 - c) + y * s;
    r[3] = x * y * (1 - c) + z * s;
    r[4] = y * y + (1 - y * y) * c;
    r[5] = y * z * (1 - c) - x * s;
    r[6] = x * z * (1 - c) - y * s;
    r[7] = z * y * (1 - c) + x * s;
    r[8] = z * z + (1 - z * z) * c;
  }
}

/** The rotation matrix Rz Ry Rx of the Euler angles (x, z, y) in pose[offset .. offset + 2]. */
function eulerAnglesToRotationMatrix(pose: Float64Array, offset: int, r: Float64Array): void {
  const tx = pose[offset];
  const ty = pose[offset + 2];
  const tz = pose[offset + 1];
  const rx = new Float64Array(9);
  const ry = new Float64Array(9);
  const rz = new Float64Array(9);
  rx[0] = 1;
  rx[4] = Math.cos(tx);
  rx[7] = Math.sin(tx);
  rx[5] = -rx[7];
  rx[8] = rx[4];
  ry[4] = 1;
  ry[0] = Math.cos(ty);
  ry[2] = Math.sin(ty);
  ry[6] = -ry[2];
  ry[8] = ry[0];
  rz[8] = 1;
  rz[0] = Math.cos(tz);
  rz[3] = Math.sin(tz);
  rz[1] = -rz[3];
  rz[4] = rz[0];
  const rzy = new Float64Array(9);
  matMul3(rz, ry, rzy);
  matMul3(rzy, rx, r);
}

/**
 * The pose parameters (3 x (bones + 3), column-major) from theta: the global rotation, the scale
 * (ones), the global translation, then for each finger the two angles of its base joint and one
 * angle for each of the two joints after it.
 */
function toPoseParams(theta: Float64Array, pose: Float64Array): void {
  for (let i = 0; i < 3; i++) {
    pose[i] = theta[i];
    pose[3 + i] = 1;
    pose[6 + i] = theta[3 + i];
  }
  let iTheta = 6;
  let iPose = 5;
  for (let finger = 0; finger < 5; finger++) {
    for (let joint = 2; joint <= 4; joint++) {
      pose[3 * iPose] = theta[iTheta];
      iTheta++;
      if (joint === 2) {
        pose[3 * iPose + 1] = theta[iTheta];
        iTheta++;
      }
      iPose++;
    }
    iPose++;
  }
}

/** The posed and skinned vertex positions (3 x vertices, column-major), written into positions. */
function skinnedVertexPositions(
  pose: Float64Array,
  parents: readonly number[],
  baseRelatives: Float64Array[],
  inverseBaseAbsolutes: Float64Array[],
  basePositions: Float64Array[],
  weights: Float64Array[],
  isMirrored: boolean,
  positions: Float64Array,
): void {
  const bones = baseRelatives.length;
  const vertices = basePositions.length;

  // posed relatives: each bone's base relative transform times its rotation
  const relatives = new Float64Array(16 * bones);
  for (let i = 0; i < bones; i++) {
    const r = new Float64Array(9);
    eulerAnglesToRotationMatrix(pose, 3 * (i + 3), r);
    const tr = new Float64Array(16);
    for (let row = 0; row < 3; row++) {
      for (let col = 0; col < 3; col++) {
        tr[row * 4 + col] = r[row * 3 + col];
      }
    }
    tr[15] = 1;
    matMul4(baseRelatives[i], 0, tr, 0, relatives, 16 * i);
  }

  // absolutes: a bone's transform composed with its parent's (parents come first)
  const absolutes = new Float64Array(16 * bones);
  for (let i = 0; i < bones; i++) {
    if (parents[i] === -1) {
      for (let e = 0; e < 16; e++) {
        absolutes[16 * i + e] = relatives[16 * i + e];
      }
    } else {
      matMul4(absolutes, 16 * parents[i], relatives, 16 * i, absolutes, 16 * i);
    }
  }

  // bone transforms
  const transforms = new Float64Array(16 * bones);
  for (let i = 0; i < bones; i++) {
    matMul4(absolutes, 16 * i, inverseBaseAbsolutes[i], 0, transforms, 16 * i);
  }

  // skinning: each vertex is the weighted sum of its positions under every bone's transform
  for (let bone = 0; bone < bones; bone++) {
    for (let v = 0; v < vertices; v++) {
      const base = basePositions[v];
      const weight = weights[v][bone];
      for (let i = 0; i < 3; i++) {
        let current = 0;
        for (let k = 0; k < 4; k++) {
          current += transforms[16 * bone + 4 * i + k] * base[k];
        }
        positions[3 * v + i] += current * weight;
      }
    }
  }

  if (isMirrored) {
    for (let v = 0; v < vertices; v++) {
      positions[3 * v] = -positions[3 * v];
    }
  }

  // the global transform: rotation (columns scaled by pose column 1), then translation
  const rotation = new Float64Array(9);
  angleAxisToRotationMatrix(pose, 0, rotation);
  for (let col = 0; col < 3; col++) {
    for (let row = 0; row < 3; row++) {
      rotation[row * 3 + col] *= pose[3 + col];
    }
  }
  for (let v = 0; v < vertices; v++) {
    const p0 = positions[3 * v];
    const p1 = positions[3 * v + 1];
    const p2 = positions[3 * v + 2];
    for (let i = 0; i < 3; i++) {
      positions[3 * v + i] = rotation[3 * i] * p0 + rotation[3 * i + 1] * p1 + rotation[3 * i + 2] * p2 + pose[6 + i];
    }
  }
}

/** The vertex positions of the hand model in the pose `theta`, three numbers a vertex. */
function posedVertexPositions(
  theta: Float64Array,
  parents: readonly number[],
  baseRelatives: Float64Array[],
  inverseBaseAbsolutes: Float64Array[],
  basePositions: Float64Array[],
  weights: Float64Array[],
  isMirrored: boolean,
): Float64Array {
  const pose = new Float64Array(3 * (baseRelatives.length + 3));
  toPoseParams(theta, pose);
  const positions = new Float64Array(3 * basePositions.length);
  skinnedVertexPositions(pose, parents, baseRelatives, inverseBaseAbsolutes, basePositions, weights, isMirrored, positions);
  return positions;
}

/** @differentiable(wrt: theta) */
export function handObjective(
  theta: Float64Array,
  parents: readonly number[],
  baseRelatives: Float64Array[],
  inverseBaseAbsolutes: Float64Array[],
  basePositions: Float64Array[],
  weights: Float64Array[],
  isMirrored: boolean,
  correspondences: readonly number[],
  points: Float64Array[],
): Float64Array {
  const positions = posedVertexPositions(theta, parents, baseRelatives, inverseBaseAbsolutes, basePositions, weights, isMirrored);
  const err = new Float64Array(3 * correspondences.length);
  for (let i = 0; i < correspondences.length; i++) {
    const point = points[i];
    const vertex = correspondences[i];
    for (let j = 0; j < 3; j++) {
      err[3 * i + j] = point[j] - positions[3 * vertex + j];
    }
  }
  return err;
}

/** @differentiable(wrt: theta, us) */
export function handObjectiveComplicated(
  theta: Float64Array,
  us: Float64Array,
  parents: readonly number[],
  baseRelatives: Float64Array[],
  inverseBaseAbsolutes: Float64Array[],
  basePositions: Float64Array[],
  weights: Float64Array[],
  isMirrored: boolean,
  triangles: number[][],
  correspondences: readonly number[],
  points: Float64Array[],
): Float64Array {
  const positions = posedVertexPositions(theta, parents, baseRelatives, inverseBaseAbsolutes, basePositions, weights, isMirrored);
  const err = new Float64Array(3 * correspondences.length);
  for (let i = 0; i < correspondences.length; i++) {
    const verts = triangles[correspondences[i]];
    const u0 = us[2 * i];
    const u1 = us[2 * i + 1];
    const point = points[i];
    for (let j = 0; j < 3; j++) {
      const handPoint =
        u0 * positions[3 * verts[0] + j] + u1 * positions[3 * verts[1] + j] + (1 - u0 - u1) * positions[3 * verts[2] + j];
      err[3 * i + j] = point[j] - handPoint;
    }
  }
  return err;
}
