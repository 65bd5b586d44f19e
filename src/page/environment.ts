/**
 * The page side of a scene's environment (src/render/environment.ts makes it): six float
 * faces become a cube texture, its spherical harmonics (the diffuse irradiance PBR uses)
 * are computed from the faces, and it is prefiltered on the GPU for rough reflections
 * (Babylon's HDRFiltering: GGX importance sampling into the mip levels), as Babylon does
 * for .env and .hdr files.
 */
import type { Scene } from "@babylonjs/core/scene.js";
import { Constants } from "@babylonjs/core/Engines/constants.js";
import { RawCubeTexture } from "@babylonjs/core/Materials/Textures/rawCubeTexture.js";
import { HDRFiltering } from "@babylonjs/core/Materials/Textures/Filtering/hdrFiltering.js";
import { CubeMapToSphericalPolynomialTools } from "@babylonjs/core/Misc/HighDynamicRange/cubemapToSphericalPolynomial.js";

/** A cube texture from the host's environment bytes: a uint32 face size, then six faces of RGBA float32 (+X, -X, +Y, -Y, +Z, -Z). */
export async function loadEnvironment(scene: Scene, bytes: ArrayBuffer): Promise<RawCubeTexture> {
  const size = new DataView(bytes).getUint32(0, true);
  const n = size * size * 4;
  if (bytes.byteLength !== 4 + 6 * n * 4) throw new Error(`environment: ${bytes.byteLength} bytes for faces of ${size}²`);
  const faces = Array.from({ length: 6 }, (_, f) => new Float32Array(bytes, 4 + f * n * 4, n));
  const texture = new RawCubeTexture(scene, faces, size, Constants.TEXTUREFORMAT_RGBA, Constants.TEXTURETYPE_FLOAT, true, false, Constants.TEXTURE_TRILINEAR_SAMPLINGMODE);
  texture.gammaSpace = false;
  texture.lodGenerationScale = 0.8;
  texture.lodGenerationOffset = 0;
  texture.sphericalPolynomial = CubeMapToSphericalPolynomialTools.ConvertCubeMapToSphericalPolynomial({
    size, right: faces[0]!, left: faces[1]!, up: faces[2]!, down: faces[3]!, front: faces[4]!, back: faces[5]!,
    format: Constants.TEXTUREFORMAT_RGBA, type: Constants.TEXTURETYPE_FLOAT, gammaSpace: false,
  });
  await new HDRFiltering(scene.getEngine(), { quality: Constants.TEXTURE_FILTERING_QUALITY_HIGH }).prefilter(texture);
  return texture;
}
