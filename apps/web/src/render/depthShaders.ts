/*
 * GLSL for the depth views (Babylon's WebGL2 engine compiles them as GLSL ES 3.00). The depth texture
 * holds stored units: `usampler2D` for U16 (R16UI, define DEPTH_UINT), `sampler2D` for R32F. Both read
 * with `texelFetch`. A stored value d is valid when d / meter is finite and > 0 (0 and NaN: no depth).
 * Colour: colormap entry round(t * 255), t = (d - range.x) / (range.y - range.x) clamped, as on the CPU.
 */

const DEPTH_SAMPLER = /* glsl */ `
precision highp float;
precision highp int;
precision highp sampler2D;
precision highp usampler2D;
#ifdef DEPTH_UINT
uniform usampler2D depthTexture;
#else
uniform sampler2D depthTexture;
#endif
uniform sampler2D colormapTexture;
uniform float meter;
uniform vec2 depthRange;

float storedDepth(ivec2 pixel) {
  return float(texelFetch(depthTexture, pixel, 0).r);
}

bool validDepth(float d) {
  float z = d / meter;
  return !(isnan(z) || isinf(z)) && z > 0.0;
}

vec3 colormap(float d) {
  float t = clamp((d - depthRange.x) / max(depthRange.y - depthRange.x, 1e-30), 0.0, 1.0);
  return texelFetch(colormapTexture, ivec2(int(floor(t * 255.0 + 0.5)), 0), 0).rgb;
}
`;

/*
 * Depth pixel -> ray (after DEPTH_SAMPLER). intrinsics = (fx, fy, cx, cy) of the depth camera. With lens
 * distortion (useRayTable = 1) the ray of pixel (u, v) is one texel of rayTable (RG32F, the undistorted
 * normalised (x, y), built once per intrinsics off the page: rayTables.ts) and the point is (x z, y z, z);
 * a texel over 1e38 marks a pixel the model cannot invert.
 */
const DEPTH_RAYS = /* glsl */ `
uniform vec4 intrinsics;
uniform float useRayTable;
uniform sampler2D rayTable;

vec3 unprojectAt(vec2 pixel, float z) {
  if (useRayTable > 0.5) {
    vec2 ray = texelFetch(rayTable, ivec2(pixel), 0).rg;
    return vec3(ray * z, z);
  }
  return vec3((pixel.x - intrinsics.z) * z / intrinsics.x, (pixel.y - intrinsics.w) * z / intrinsics.y, z);
}

bool hasRay(ivec2 pixel) {
  return useRayTable < 0.5 || texelFetch(rayTable, pixel, 0).r < 1e38;
}
`;

/*
 * Depth camera point -> colour texel (issues 16, 17). The point p (depth camera RDF) goes through
 * depthToColor into the colour camera's RDF frame q, to its normalised (x, y) = (q.x / q.z, q.y / q.z),
 * through the colour camera's own lens distortion (the schema's distort, lensDistortion.ts, in closed
 * form; colorDistortionModel 0 none, 1 plumb_bob / rational_polynomial with colorDistortionA = (k1, k2, p1, p2),
 * colorDistortionB = (k3, k4, k5, k6), 2 kannala_brandt / equidistant with colorDistortionA = (k1..k4)),
 * then to the pixel (fx x' + cx, fy y' + cy) with colorIntrinsics (Rerun's convention: pixel (u, v) is
 * centred on integer u, v, so the texel is round(.)). A point behind the colour camera, outside its image,
 * or further from its axis than the lens's forward domain (colorMaxR2 = monotonicRadius², where the model
 * would fold it back into the image) has no texel. colorChannels: 0 rgb, 1 bgr (swap), 2 grey (r).
 */
const COLOR_PROJECTION = /* glsl */ `
uniform sampler2D colorTexture;
uniform mat4 depthToColor;
uniform vec4 colorIntrinsics;
uniform vec2 colorSize;
uniform float colorChannels;
uniform float colorDistortionModel;
uniform vec4 colorDistortionA;
uniform vec4 colorDistortionB;
uniform float colorMaxR2;

/** The colour camera's lens: normalised undistorted (x, y) -> distorted. */
vec2 distortColor(vec2 p) {
  float r2 = dot(p, p);
  if (colorDistortionModel > 1.5) {
    float r = sqrt(r2);
    if (r < 1e-15) return p;
    float t = atan(r);
    float t2 = t * t;
    vec4 k = colorDistortionA;
    return p * (t * (1.0 + t2 * (k.x + t2 * (k.y + t2 * (k.z + t2 * k.w)))) / r);
  }
  vec4 a = colorDistortionA;
  vec4 b = colorDistortionB;
  float radial = (1.0 + r2 * (a.x + r2 * (a.y + r2 * b.x))) / (1.0 + r2 * (b.y + r2 * (b.z + r2 * b.w)));
  return vec2(p.x * radial + 2.0 * a.z * p.x * p.y + a.w * (r2 + 2.0 * p.x * p.x),
              p.y * radial + a.z * (r2 + 2.0 * p.y * p.y) + 2.0 * a.w * p.x * p.y);
}

/** The colour texel that sees depth camera point p; false when it has none (see above). */
bool colorTexelOf(vec3 p, out ivec2 texel) {
  vec4 q = depthToColor * vec4(p, 1.0);
  if (q.z <= 1e-6) return false;
  vec2 n = q.xy / q.z;
  if (colorDistortionModel > 0.5) {
    if (dot(n, n) > colorMaxR2) return false;
    n = distortColor(n);
  }
  vec2 at = floor(colorIntrinsics.xy * n + colorIntrinsics.zw + 0.5);
  if (any(lessThan(at, vec2(0.0))) || any(greaterThanEqual(at, colorSize))) return false;
  texel = ivec2(at);
  return true;
}

vec3 colorOfTexel(ivec2 texel) {
  vec4 rgba = texelFetch(colorTexture, texel, 0);
  return colorChannels > 1.5 ? rgba.rrr : (colorChannels > 0.5 ? rgba.bgr : rgba.rgb);
}
`;

/** 2D view: a quad whose corners sit at world (0, 0) and (width, -height); pixel (u, v) at (u, -v). */
export const depthImageVertex = /* glsl */ `
precision highp float;
attribute vec3 position;
uniform mat4 worldViewProjection;
varying vec2 vPixel;
void main(void) {
  vPixel = vec2(position.x, -position.y);
  gl_Position = worldViewProjection * vec4(position, 1.0);
}
`;

/*
 * Depth over colour (issue 16): with a colour image (colorFromImage = 1) each pixel's colour texel is
 * found as the 3D cloud finds it (the pixel unprojected at its depth through its ray, into the colour
 * camera through depthToColor and its lens: COLOR_PROJECTION; registered colour needs no depth:
 * colorRegistered = 1 reads the same pixel, scaled to the colour image) and the colormap is drawn over it
 * with depthOpacity (1: depth only, 0: colour only). Pixels without depth show the colour when it is
 * known, else the no-depth checkerboard.
 */
export const depthImageFragment = /* glsl */ `
${DEPTH_SAMPLER}
${DEPTH_RAYS}
${COLOR_PROJECTION}
uniform vec2 imageSize;
uniform vec3 noDepthColors[2];
uniform float noDepthCell;
uniform float colorFromImage;
uniform float colorRegistered;
uniform float depthOpacity;
varying vec2 vPixel;

/** The colour image's texel seen at depth pixel (u, v) with depth z (metres); false when outside it. */
bool colorAt(ivec2 pixel, float z, out vec3 color) {
  ivec2 texel;
  if (colorRegistered > 0.5) {
    texel = ivec2(floor((vec2(pixel) + 0.5) * colorSize / imageSize));
  } else if (!hasRay(pixel) || !colorTexelOf(unprojectAt(vec2(pixel), z), texel)) {
    return false;
  }
  color = colorOfTexel(texel);
  return true;
}

void main(void) {
  ivec2 pixel = clamp(ivec2(floor(vPixel)), ivec2(0), ivec2(imageSize) - 1);
  float d = storedDepth(pixel);
  bool valid = validDepth(d);
  vec3 color = vec3(0.0);
  bool colored = colorFromImage > 0.5 && (valid || colorRegistered > 0.5) &&
                 colorAt(pixel, valid ? d / meter : 1.0, color);
  if (!valid) {
    if (colored) {
      gl_FragColor = vec4(color, 1.0);
      return;
    }
    // "No depth" is a grey checkerboard in screen space: never mistaken for a colormap colour.
    vec2 cell = floor(gl_FragCoord.xy / noDepthCell);
    gl_FragColor = vec4(noDepthColors[int(mod(cell.x + cell.y, 2.0))], 1.0);
    return;
  }
  vec3 depthColor = colormap(d);
  gl_FragColor = vec4(colored ? mix(color, depthColor, depthOpacity) : depthColor, 1.0);
}
`;

/**
 * 3D view: one vertex per pixel holding (u, v, 0), unprojected here from the depth texture (RDF) through
 * its ray (DEPTH_RAYS). pointDiameterPerDepth = 2 * fillRatio / fy (world diameter of a point at
 * depth 1); pointSizeScale = screen pixels per world unit at view depth 1.
 *
 * View settings (per entity, all on the GPU, nothing per pixel in JavaScript):
 * - range culling: a point whose z (metres) lies outside cullRange = (min, max) is not drawn;
 * - flying pixels: with flyingFraction f > 0, a point is not drawn when one of its 4 neighbours (with
 *   depth) differs in z by more than f * z: the smeared points a depth edge leaves between fore- and
 *   background;
 * - normal shading: with normalShading = 1 the colour is scaled by 0.35 + 0.65 |n . l|, n the normal from
 *   the neighbours' unprojected points, l the direction from the depth camera to the point (a headlight).
 *
 * Colour from an image: the point's texel in the colour camera (COLOR_PROJECTION, through its lens).
 * Registered colour (one Pinhole for both) makes depthToColor the identity: the undistorted ray goes back
 * through the same lens to the point's own pixel. A point without a texel keeps the depth colormap: edge
 * texels are never smeared.
 */
export const depthCloudVertex = /* glsl */ `
${DEPTH_SAMPLER}
${DEPTH_RAYS}
${COLOR_PROJECTION}
attribute vec3 position;
uniform mat4 world;
uniform mat4 viewProjection;
uniform float pointDiameterPerDepth;
uniform float pointSizeScale;
uniform float maxPointSize;
uniform vec2 cullRange;
uniform float flyingFraction;
uniform float normalShading;
uniform float colorFromImage;
varying vec3 vColor;

/** z (metres) of a neighbour, or -1 when outside the image or without depth. */
float neighbourZ(ivec2 pixel, ivec2 size) {
  if (any(lessThan(pixel, ivec2(0))) || any(greaterThanEqual(pixel, size))) return -1.0;
  float d = storedDepth(pixel);
  return validDepth(d) ? d / meter : -1.0;
}

void main(void) {
  ivec2 pixel = ivec2(position.xy);
  float d = storedDepth(pixel);
  float z = d / meter;
  bool drawn = validDepth(d) && z >= cullRange.x && z <= cullRange.y;
  if (drawn) drawn = hasRay(pixel);
  ivec2 size = textureSize(depthTexture, 0);
  float zl = -1.0;
  float zr = -1.0;
  float zu = -1.0;
  float zd = -1.0;
  if (drawn && (flyingFraction > 0.0 || normalShading > 0.5)) {
    zl = neighbourZ(pixel + ivec2(-1, 0), size);
    zr = neighbourZ(pixel + ivec2(1, 0), size);
    zu = neighbourZ(pixel + ivec2(0, -1), size);
    zd = neighbourZ(pixel + ivec2(0, 1), size);
  }
  if (drawn && flyingFraction > 0.0) {
    vec4 n = vec4(zl, zr, zu, zd);
    vec4 jump = abs(n - vec4(z)) - vec4(flyingFraction * z);
    drawn = !any(greaterThan(jump * step(0.0, n), vec4(0.0)));
  }
  if (!drawn) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0); // outside the clip volume: not drawn
    gl_PointSize = 0.0;
    vColor = vec3(0.0);
    return;
  }
  vec2 uv = position.xy;
  vec3 rdf = unprojectAt(uv, z);
  gl_Position = viewProjection * world * vec4(rdf, 1.0);
  gl_PointSize = clamp(pointDiameterPerDepth * z * pointSizeScale / max(gl_Position.w, 1e-6), 1.0, maxPointSize);
  vec3 color = colormap(d);
  ivec2 texel;
  if (colorFromImage > 0.5 && colorTexelOf(rdf, texel)) color = colorOfTexel(texel);
  if (normalShading > 0.5) {
    vec3 px0 = zl > 0.0 ? unprojectAt(uv + vec2(-1.0, 0.0), zl) : rdf;
    vec3 px1 = zr > 0.0 ? unprojectAt(uv + vec2(1.0, 0.0), zr) : rdf;
    vec3 py0 = zu > 0.0 ? unprojectAt(uv + vec2(0.0, -1.0), zu) : rdf;
    vec3 py1 = zd > 0.0 ? unprojectAt(uv + vec2(0.0, 1.0), zd) : rdf;
    vec3 normal = cross(px1 - px0, py1 - py0);
    float len = length(normal);
    if (len > 0.0) color *= 0.35 + 0.65 * abs(dot(normal / len, normalize(rdf)));
  }
  vColor = color;
}
`;

export const depthCloudFragment = /* glsl */ `
precision highp float;
varying vec3 vColor;
void main(void) {
  gl_FragColor = vec4(vColor, 1.0);
}
`;
