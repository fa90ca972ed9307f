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
 * `handObjective` is GradBench's objective, simple variant (each point corresponds to a vertex),
 * and `handObjectiveComplicated` the complicated one (each point corresponds to a point of a
 * triangle, with barycentric coordinates us, also differentiated); both skin every vertex, as
 * the reference does. Their Jacobians (a row per residual, a few dozen columns) come from
 * sparse vector forward mode (`@jacobian sparse`: a point's residuals depend on the global pose
 * and the fingers whose bones move its vertices, so columns of different fingers share
 * directions) of functions computing the same residuals from only what the points need: `correspondingResiduals` skins only the vertices
 * the points correspond to; `triangleResidualsOfTheta` poses each point's triangle as one blend
 * of its corners, which depends on us alone, so that its sweep carries no tangent through the
 * blend, and `triangleResidualsOfUs` gives the two columns of us.
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

/** out[outOffset ..] = a * b for 3 x 3 row-major matrices. */
function matMul3(a: Float64Array, b: Float64Array, out: Float64Array, outOffset: int): void {
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) {
        s += a[r * 3 + k] * b[k * 3 + c];
      }
      out[outOffset + r * 3 + c] = s;
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

/**
 * The rotation matrix Rz Ry Rx of each bone's Euler angles (x, z, y), pose column bone + 3,
 * written into rotations (9 numbers a bone).
 */
function boneRotations(pose: Float64Array, bones: int, rotations: Float64Array): void {
  // The factors are allocated once, not per bone: in a VJP, arrays allocated per bone (and their
  // adjoints) cost more than the arithmetic on them. Every bone writes the same elements.
  const rx = new Float64Array(9);
  const ry = new Float64Array(9);
  const rz = new Float64Array(9);
  const rzy = new Float64Array(9);
  rx[0] = 1;
  ry[4] = 1;
  rz[8] = 1;
  for (let bone = 0; bone < bones; bone++) {
    const offset = 3 * (bone + 3);
    const tx = pose[offset];
    const ty = pose[offset + 2];
    const tz = pose[offset + 1];
    rx[4] = Math.cos(tx);
    rx[7] = Math.sin(tx);
    rx[5] = -rx[7];
    rx[8] = rx[4];
    ry[0] = Math.cos(ty);
    ry[2] = Math.sin(ty);
    ry[6] = -ry[2];
    ry[8] = ry[0];
    rz[0] = Math.cos(tz);
    rz[3] = Math.sin(tz);
    rz[1] = -rz[3];
    rz[4] = rz[0];
    matMul3(rz, ry, rzy, 0);
    matMul3(rzy, rx, rotations, 9 * bone);
  }
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

/** The hand in a pose, as poseHand computes it. */
interface PosedHand {
  /** the pose parameters, 3 x (bones + 3) */
  pose: Float64Array;
  /** the bone transforms, 16 numbers a bone */
  transforms: Float64Array;
  /** the global rotation, its columns scaled by pose column 1 (its translation is pose column 2) */
  rotation: Float64Array;
}

/** The hand posed by theta. */
function poseHand(
  theta: Float64Array,
  parents: readonly number[],
  baseRelatives: Float64Array[],
  inverseBaseAbsolutes: Float64Array[],
): PosedHand {
  const bones = baseRelatives.length;
  const pose = new Float64Array(3 * (bones + 3));
  toPoseParams(theta, pose);

  // posed relatives: each bone's base relative transform times its rotation (tr, the rotation
  // as a 4 x 4 transform, allocated once like the factors in boneRotations)
  const rotations = new Float64Array(9 * bones);
  boneRotations(pose, bones, rotations);
  const relatives = new Float64Array(16 * bones);
  const tr = new Float64Array(16);
  tr[15] = 1;
  for (let i = 0; i < bones; i++) {
    for (let row = 0; row < 3; row++) {
      for (let col = 0; col < 3; col++) {
        tr[row * 4 + col] = rotations[9 * i + row * 3 + col];
      }
    }
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

  // the global rotation
  const rotation = new Float64Array(9);
  angleAxisToRotationMatrix(pose, 0, rotation);
  for (let col = 0; col < 3; col++) {
    for (let row = 0; row < 3; row++) {
      rotation[row * 3 + col] *= pose[3 + col];
    }
  }
  return { pose, transforms, rotation };
}

/** The skinned point at out[at .. at + 2], in place: mirrored if the model is, then rotated and
 * translated by the hand's global transform. */
function globallyPlaced(hand: PosedHand, isMirrored: boolean, out: Float64Array, at: int): void {
  const { pose, rotation } = hand;
  const p0 = isMirrored ? -out[at] : out[at];
  const p1 = out[at + 1];
  const p2 = out[at + 2];
  for (let i = 0; i < 3; i++) {
    out[at + i] = rotation[3 * i] * p0 + rotation[3 * i + 1] * p1 + rotation[3 * i + 2] * p2 + pose[6 + i];
  }
}

/**
 * Vertex v of the posed hand, written into positions[at .. at + 2]: the weighted sum of its base
 * position under every bone's transform, mirrored if the model is, then rotated and translated
 * by the global transform.
 */
function posedVertex(
  v: int,
  hand: PosedHand,
  basePositions: Float64Array[],
  weights: Float64Array[],
  isMirrored: boolean,
  positions: Float64Array,
  at: int,
): void {
  const { transforms } = hand;
  const base = basePositions[v];
  const weight = weights[v];
  for (let i = 0; i < 3; i++) {
    let skinned = 0;
    for (let bone = 0; bone < weight.length; bone++) {
      let current = 0;
      for (let k = 0; k < 4; k++) {
        current += transforms[16 * bone + 4 * i + k] * base[k];
      }
      skinned += current * weight[bone];
    }
    positions[at + i] = skinned;
  }
  globallyPlaced(hand, isMirrored, positions, at);
}

/** The positions of all vertices of the hand model in the pose theta, three numbers a vertex. */
function posedVertexPositions(
  theta: Float64Array,
  parents: readonly number[],
  baseRelatives: Float64Array[],
  inverseBaseAbsolutes: Float64Array[],
  basePositions: Float64Array[],
  weights: Float64Array[],
  isMirrored: boolean,
): Float64Array {
  const hand = poseHand(theta, parents, baseRelatives, inverseBaseAbsolutes);
  const positions = new Float64Array(3 * basePositions.length);
  for (let v = 0; v < basePositions.length; v++) {
    posedVertex(v, hand, basePositions, weights, isMirrored, positions, 3 * v);
  }
  return positions;
}

/** err[errAt .. errAt + 2] = point - positions[at .. at + 2]. */
function vertexResidual(point: Float64Array, positions: Float64Array, at: int, err: Float64Array, errAt: int): void {
  for (let j = 0; j < 3; j++) {
    err[errAt + j] = point[j] - positions[at + j];
  }
}

/**
 * err[errAt .. errAt + 2] = point minus the point with barycentric coordinates (u0, u1) of the
 * triangle whose corners are at positions[a ..], positions[b ..] and positions[c ..].
 */
function triangleResidual(
  point: Float64Array,
  u0: number,
  u1: number,
  positions: Float64Array,
  a: int,
  b: int,
  c: int,
  err: Float64Array,
  errAt: int,
): void {
  for (let j = 0; j < 3; j++) {
    const handPoint = u0 * positions[a + j] + u1 * positions[b + j] + (1 - u0 - u1) * positions[c + j];
    err[errAt + j] = point[j] - handPoint;
  }
}

/** GradBench's objective, simple variant: the residuals of all points, three a point. */
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
    vertexResidual(points[i], positions, 3 * correspondences[i], err, 3 * i);
  }
  return err;
}

/** GradBench's objective, complicated variant: the residuals of all points, three a point. */
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
    const corners = triangles[correspondences[i]];
    triangleResidual(points[i], us[2 * i], us[2 * i + 1], positions, 3 * corners[0], 3 * corners[1], 3 * corners[2], err, 3 * i);
  }
  return err;
}

/**
 * The residuals of handObjective (equal to them), from the posed bones and only the vertices
 * the points correspond to. Its Jacobian, a column per parameter of theta, comes from vector
 * forward mode: one sweep posing the bones and skinning those vertices carries one direction per
 * colour of the columns of theta.
 *
 * @differentiable(wrt: theta)
 * @jacobian sparse
 */
export function correspondingResiduals(
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
  const hand = poseHand(theta, parents, baseRelatives, inverseBaseAbsolutes);
  const err = new Float64Array(3 * correspondences.length);
  const vertex = new Float64Array(3);
  for (let i = 0; i < correspondences.length; i++) {
    posedVertex(correspondences[i], hand, basePositions, weights, isMirrored, vertex, 0);
    vertexResidual(points[i], vertex, 0, err, 3 * i);
  }
  return err;
}

/**
 * The point with barycentric coordinates (u0, u1) of the posed triangle whose corners are the
 * vertices `corners`, written into out[at .. at + 2]. Posing is linear in a vertex's weighted
 * base position (and the coordinates sum to one), so the corners' weighted base positions are
 * blended first, bone by bone (into `blend`, 4 numbers a bone), and the blend posed once, as
 * one vertex is in posedVertex.
 */
function posedTrianglePoint(
  corners: readonly number[],
  u0: number,
  u1: number,
  hand: PosedHand,
  basePositions: Float64Array[],
  weights: Float64Array[],
  isMirrored: boolean,
  blend: Float64Array,
  out: Float64Array,
  at: int,
): void {
  const { transforms } = hand;
  const [a, b, c] = [corners[0], corners[1], corners[2]];
  const u2 = 1 - u0 - u1;
  const bones = weights[a].length;
  for (let bone = 0; bone < bones; bone++) {
    const wa = u0 * weights[a][bone];
    const wb = u1 * weights[b][bone];
    const wc = u2 * weights[c][bone];
    for (let k = 0; k < 4; k++) {
      blend[4 * bone + k] = wa * basePositions[a][k] + wb * basePositions[b][k] + wc * basePositions[c][k];
    }
  }
  for (let i = 0; i < 3; i++) {
    let skinned = 0;
    for (let bone = 0; bone < bones; bone++) {
      for (let k = 0; k < 4; k++) {
        skinned += transforms[16 * bone + 4 * i + k] * blend[4 * bone + k];
      }
    }
    out[at + i] = skinned;
  }
  globallyPlaced(hand, isMirrored, out, at);
}

/** The residuals of handObjectiveComplicated (equal to them up to rounding), from the posed
 * bones and each point's blended triangle. */
function triangleResiduals(
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
  const hand = poseHand(theta, parents, baseRelatives, inverseBaseAbsolutes);
  const err = new Float64Array(3 * correspondences.length);
  const handPoint = new Float64Array(3);
  const blend = new Float64Array(4 * baseRelatives.length);
  for (let i = 0; i < correspondences.length; i++) {
    const corners = triangles[correspondences[i]];
    posedTrianglePoint(corners, us[2 * i], us[2 * i + 1], hand, basePositions, weights, isMirrored, blend, handPoint, 0);
    vertexResidual(points[i], handPoint, 0, err, 3 * i);
  }
  return err;
}

/**
 * triangleResiduals as a function of theta: its Jacobian's columns in one sweep, one direction
 * per colour, in which the blends, depending on us alone, carry no tangents.
 *
 * @differentiable(wrt: theta)
 * @jacobian sparse
 */
export function triangleResidualsOfTheta(
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
  return triangleResiduals(theta, us, parents, baseRelatives, inverseBaseAbsolutes, basePositions, weights, isMirrored, triangles, correspondences, points);
}

/**
 * triangleResiduals as a function of us, whose points' residuals each depend on their own pair
 * alone: the tool takes the derivatives along every point's first coordinate at once (one JVP),
 * then its second.
 *
 * @differentiable(wrt: us)
 */
export function triangleResidualsOfUs(
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
  return triangleResiduals(theta, us, parents, baseRelatives, inverseBaseAbsolutes, basePositions, weights, isMirrored, triangles, correspondences, points);
}
