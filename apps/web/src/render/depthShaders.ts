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

export const depthImageFragment = /* glsl */ `
${DEPTH_SAMPLER}
uniform vec2 imageSize;
uniform vec3 noDepthColors[2];
uniform float noDepthCell;
varying vec2 vPixel;
void main(void) {
  ivec2 pixel = clamp(ivec2(floor(vPixel)), ivec2(0), ivec2(imageSize) - 1);
  float d = storedDepth(pixel);
  if (!validDepth(d)) {
    // "No depth" is a grey checkerboard in screen space: never mistaken for a colormap colour.
    vec2 cell = floor(gl_FragCoord.xy / noDepthCell);
    gl_FragColor = vec4(noDepthColors[int(mod(cell.x + cell.y, 2.0))], 1.0);
    return;
  }
  gl_FragColor = vec4(colormap(d), 1.0);
}
`;

/**
 * 3D view: one vertex per pixel holding (u, v, 0), unprojected here from the depth texture (RDF).
 * intrinsics = (fx, fy, cx, cy); pointDiameterPerDepth = 2 * fillRatio / fy (world diameter of a point at
 * depth 1); pointSizeScale = screen pixels per world unit at view depth 1.
 */
export const depthCloudVertex = /* glsl */ `
${DEPTH_SAMPLER}
attribute vec3 position;
uniform mat4 world;
uniform mat4 viewProjection;
uniform vec4 intrinsics;
uniform float pointDiameterPerDepth;
uniform float pointSizeScale;
uniform float maxPointSize;
varying vec3 vColor;
void main(void) {
  float d = storedDepth(ivec2(position.xy));
  if (!validDepth(d)) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0); // outside the clip volume: not drawn
    gl_PointSize = 0.0;
    vColor = vec3(0.0);
    return;
  }
  float z = d / meter;
  vec3 rdf = vec3((position.x - intrinsics.z) * z / intrinsics.x, (position.y - intrinsics.w) * z / intrinsics.y, z);
  gl_Position = viewProjection * world * vec4(rdf, 1.0);
  gl_PointSize = clamp(pointDiameterPerDepth * z * pointSizeScale / max(gl_Position.w, 1e-6), 1.0, maxPointSize);
  vColor = colormap(d);
}
`;

export const depthCloudFragment = /* glsl */ `
precision highp float;
varying vec3 vColor;
void main(void) {
  gl_FragColor = vec4(vColor, 1.0);
}
`;
