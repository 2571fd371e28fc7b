import { Constants } from "@babylonjs/core/Engines/constants.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { type Colormap, colormapTable } from "@depthroom/schema";

/*
 * Colormaps as 256x1 RGBA8 textures straight from `colormapTable` (sRGB bytes, written to the sRGB
 * canvas unchanged, so a rendered colour equals the table's entry). Shaders pick entry
 * round(t * 255) with `texelFetch`, as `colormapIndex` does on the CPU. One texture per colormap per scene.
 */
export class ColormapTextures {
  private readonly textures = new Map<Colormap, RawTexture>();

  constructor(private readonly scene: Scene) {}

  get(name: Colormap): RawTexture {
    let texture = this.textures.get(name);
    if (!texture) {
      texture = new RawTexture(
        colormapTable(name),
        256,
        1,
        Constants.TEXTUREFORMAT_RGBA,
        this.scene,
        false,
        false,
        Constants.TEXTURE_NEAREST_SAMPLINGMODE,
        Constants.TEXTURETYPE_UNSIGNED_BYTE,
      );
      texture.name = `colormap-${name}`;
      this.textures.set(name, texture);
    }
    return texture;
  }

  dispose(): void {
    for (const texture of this.textures.values()) texture.dispose();
    this.textures.clear();
  }
}
