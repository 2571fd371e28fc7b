/**
 * Depth colormaps: Rerun's colormap names and ids, and 256-entry lookup tables built from the published
 * reference data (never from polynomial fits), usable on the CPU and uploadable as a 256x1 RGBA8 texture.
 *
 * Every table is sRGB-encoded (gamma space), as matplotlib and Google publish them, with alpha 255. A
 * shader sampling the texture must upload it as an sRGB texture or decode it before doing any lighting
 * or blending.
 */

// --- Names and ids -------------------------------------------------------------------------------

/**
 * Colormap names: Rerun's `Colormap` enum variants lower-cased (`CyanToYellow` -> `"cyantoyellow"`), in
 * Rerun's id order. Rerun's `RvizMap` (10) and `RvizCostmap` (11) are left out: they are occupancy-grid
 * palettes keyed by cell value, with transparent entries, not depth ramps.
 */
export const COLORMAPS = [
  "grayscale",
  "inferno",
  "magma",
  "plasma",
  "turbo",
  "viridis",
  "cyantoyellow",
  "spectral",
  "twilight",
] as const;
export type Colormap = (typeof COLORMAPS)[number];

/** Rerun's default colormap for depth images. */
export const DEFAULT_COLORMAP: Colormap = "turbo";

/** Entries per table: a table is `COLORMAP_TABLE_SIZE` x 1 RGBA8 texels, `COLORMAP_TABLE_SIZE * 4` bytes. */
export const COLORMAP_TABLE_SIZE = 256;

/** Rerun's enum numbers (`rerun.components.Colormap`, `re_renderer::Colormap`); Rerun reserves 0. */
const COLORMAP_IDS: { readonly [name in Colormap]: number } = {
  grayscale: 1,
  inferno: 2,
  magma: 3,
  plasma: 4,
  turbo: 5,
  viridis: 6,
  cyantoyellow: 7,
  spectral: 8,
  twilight: 9,
};
const COLORMAPS_BY_ID: ReadonlyMap<number, Colormap> = new Map(
  COLORMAPS.map((name) => [COLORMAP_IDS[name], name]),
);

// --- Tables --------------------------------------------------------------------------------------
// 256 colours as "rrggbb" hex (the encoding d3-scale-chromatic uses), each channel Math.round(v * 255)
// of the published float. Generated once from the source files named below; colormaps.test.ts checks
// them against the floats and against d3-scale-chromatic.

// viridis, magma, inferno, plasma: matplotlib lib/matplotlib/_cm_listed.py (`_viridis_data`,
// `_magma_data`, `_inferno_data`, `_plasma_data`), by Nathaniel J. Smith, Stéfan van der Walt and
// (viridis) Eric Firing. CC0 1.0: dedicated to the public domain.
const VIRIDIS_HEX =
  "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769" +
  "48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a" +
  "472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85" +
  "4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b" +
  "3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d" +
  "33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e" +
  "2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e" +
  "26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d" +
  "21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88" +
  "1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81" +
  "28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74" +
  "3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863" +
  "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d" +
  "84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32" +
  "addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a" +
  "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725";
const MAGMA_HEX =
  "00000401000501010601010802010902020b02020d03030f03031204041405041606051806051a07061c08071e090720" +
  "0a08220b09240c09260d0a290e0b2b100b2d110c2f120d31130d34140e36150e38160f3b180f3d19103f1a10421c1044" +
  "1d11471e114920114b21114e22115024125325125527125829115a2a115c2c115f2d11612f1163311165331067341069" +
  "36106b38106c390f6e3b0f703d0f713f0f72400f74420f75440f764510774710784910784a10794c117a4e117b4f127b" +
  "51127c52137c54137d56147d57157e59157e5a167e5c167f5d177f5f187f601880621980641a80651a80671b80681c81" +
  "6a1c816b1d816d1d816e1e81701f81721f817320817521817621817822817922827b23827c23827e2482802582812581" +
  "8326818426818627818827818928818b29818c29818e2a81902a81912b81932b80942c80962c80982d80992d809b2e7f" +
  "9c2e7f9e2f7fa02f7fa1307ea3307ea5317ea6317da8327daa337dab337cad347cae347bb0357bb2357bb3367ab5367a" +
  "b73779b83779ba3878bc3978bd3977bf3a77c03a76c23b75c43c75c53c74c73d73c83e73ca3e72cc3f71cd4071cf4070" +
  "d0416fd2426fd3436ed5446dd6456cd8456cd9466bdb476adc4869de4968df4a68e04c67e24d66e34e65e44f64e55064" +
  "e75263e85362e95462ea5661eb5760ec5860ed5a5fee5b5eef5d5ef05f5ef1605df2625df2645cf3655cf4675cf4695c" +
  "f56b5cf66c5cf66e5cf7705cf7725cf8745cf8765cf9785df9795df97b5dfa7d5efa7f5efa815ffb835ffb8560fb8761" +
  "fc8961fc8a62fc8c63fc8e64fc9065fd9266fd9467fd9668fd9869fd9a6afd9b6bfe9d6cfe9f6dfea16efea36ffea571" +
  "fea772fea973feaa74feac76feae77feb078feb27afeb47bfeb67cfeb77efeb97ffebb81febd82febf84fec185fec287" +
  "fec488fec68afec88cfeca8dfecc8ffecd90fecf92fed194fed395fed597fed799fed89afdda9cfddc9efddea0fde0a1" +
  "fde2a3fde3a5fde5a7fde7a9fde9aafdebacfcecaefceeb0fcf0b2fcf2b4fcf4b6fcf6b8fcf7b9fcf9bbfcfbbdfcfdbf";
const INFERNO_HEX =
  "00000401000501010601010802010a02020c02020e03021004031204031405041706041907051b08051d09061f0a0722" +
  "0b07240c08260d08290e092b10092d110a30120a32140b34150b37160b39180c3c190c3e1b0c411c0c431e0c451f0c48" +
  "210c4a230c4c240c4f260c51280b53290b552b0b572d0b592f0a5b310a5c320a5e340a5f3609613809623909633b0964" +
  "3d09653e0966400a67420a68440a68450a69470b6a490b6a4a0c6b4c0c6b4d0d6c4f0d6c510e6c520e6d540f6d550f6d" +
  "57106e59106e5a116e5c126e5d126e5f136e61136e62146e64156e65156e67166e69166e6a176e6c186e6d186e6f196e" +
  "71196e721a6e741a6e751b6e771c6d781c6d7a1d6d7c1d6d7d1e6d7f1e6c801f6c82206c84206b85216b87216b88226a" +
  "8a226a8c23698d23698f24699025689225689326679526679727669827669a28659b29649d29649f2a63a02a63a22b62" +
  "a32c61a52c60a62d60a82e5fa92e5eab2f5ead305dae305cb0315bb1325ab3325ab43359b63458b73557b93556ba3655" +
  "bc3754bd3853bf3952c03a51c13a50c33b4fc43c4ec63d4dc73e4cc83f4bca404acb4149cc4248ce4347cf4446d04545" +
  "d24644d34743d44842d54a41d74b3fd84c3ed94d3dda4e3cdb503bdd513ade5238df5337e05536e15635e25734e35933" +
  "e45a31e55c30e65d2fe75e2ee8602de9612bea632aeb6429eb6628ec6726ed6925ee6a24ef6c23ef6e21f06f20f1711f" +
  "f1731df2741cf3761bf37819f47918f57b17f57d15f67e14f68013f78212f78410f8850ff8870ef8890cf98b0bf98c0a" +
  "f98e09fa9008fa9207fa9407fb9606fb9706fb9906fb9b06fb9d07fc9f07fca108fca309fca50afca60cfca80dfcaa0f" +
  "fcac11fcae12fcb014fcb216fcb418fbb61afbb81dfbba1ffbbc21fbbe23fac026fac228fac42afac62df9c72ff9c932" +
  "f9cb35f8cd37f8cf3af7d13df7d340f6d543f6d746f5d949f5db4cf4dd4ff4df53f4e156f3e35af3e55df2e661f2e865" +
  "f2ea69f1ec6df1ed71f1ef75f1f179f2f27df2f482f3f586f3f68af4f88ef5f992f6fa96f8fb9af9fc9dfafda1fcffa4";
const PLASMA_HEX =
  "0d088710078813078916078a19068c1b068d1d068e20068f2206902406912605912805922a05932c05942e05952f0596" +
  "31059733059735049837049938049a3a049a3c049b3e049c3f049c41049d43039e44039e46039f48039f4903a04b03a1" +
  "4c02a14e02a25002a25102a35302a35502a45601a45801a45901a55b01a55c01a65e01a66001a66100a76300a76400a7" +
  "6600a76700a86900a86a00a86c00a86e00a86f00a87100a87201a87401a87501a87701a87801a87a02a87b02a87d03a8" +
  "7e03a88004a88104a78305a78405a78606a68707a68808a68a09a58b0aa58d0ba58e0ca48f0da4910ea3920fa39410a2" +
  "9511a19613a19814a099159f9a169f9c179e9d189d9e199da01a9ca11b9ba21d9aa31e9aa51f99a62098a72197a82296" +
  "aa2395ab2494ac2694ad2793ae2892b02991b12a90b22b8fb32c8eb42e8db52f8cb6308bb7318ab83289ba3388bb3488" +
  "bc3587bd3786be3885bf3984c03a83c13b82c23c81c33d80c43e7fc5407ec6417dc7427cc8437bc9447aca457acb4679" +
  "cc4778cc4977cd4a76ce4b75cf4c74d04d73d14e72d24f71d35171d45270d5536fd5546ed6556dd7566cd8576bd9586a" +
  "da5a6ada5b69db5c68dc5d67dd5e66de5f65de6164df6263e06363e16462e26561e26660e3685fe4695ee56a5de56b5d" +
  "e66c5ce76e5be76f5ae87059e97158e97257ea7457eb7556eb7655ec7754ed7953ed7a52ee7b51ef7c51ef7e50f07f4f" +
  "f0804ef1814df1834cf2844bf3854bf3874af48849f48948f58b47f58c46f68d45f68f44f79044f79143f79342f89441" +
  "f89540f9973ff9983ef99a3efa9b3dfa9c3cfa9e3bfb9f3afba139fba238fca338fca537fca636fca835fca934fdab33" +
  "fdac33fdae32fdaf31fdb130fdb22ffdb42ffdb52efeb72dfeb82cfeba2cfebb2bfebd2afebe2afec029fdc229fdc328" +
  "fdc527fdc627fdc827fdca26fdcb26fccd25fcce25fcd025fcd225fbd324fbd524fbd724fad824fada24f9dc24f9dd25" +
  "f8df25f8e125f7e225f7e425f6e626f6e826f5e926f5eb27f4ed27f3ee27f3f027f2f227f1f426f1f525f0f724f0f921";
// turbo: Google's Turbo table (Anton Mikhailov), as `_turbo_data` in matplotlib
// lib/matplotlib/_cm_listed.py; original: https://gist.github.com/mikhailov-work/ee72ba4191942acecc03fe6da94fc73f
// Copyright 2019 Google LLC. SPDX-License-Identifier: Apache-2.0
const TURBO_HEX =
  "30123b32154333184a341b51351e5836215f37246638276d392a733a2d793b2f803c32863d358b3e38913f3b973f3e9c" +
  "4040a24143a74146ac4249b1424bb5434eba4451bf4454c34456c74559cb455ccf455ed34661d64664da4666dd4669e0" +
  "466be3476ee64771e94773eb4776ee4778f0477bf2467df44680f64682f84685fa4687fb458afc458cfd448ffe4391fe" +
  "4294ff4196ff4099ff3e9bfe3d9efe3ba0fd3aa3fc38a5fb37a8fa35abf833adf731aff52fb2f42eb4f22cb7f02ab9ee" +
  "28bceb27bee925c0e723c3e422c5e220c7df1fc9dd1ecbda1ccdd81bd0d51ad2d21ad4d019d5cd18d7ca18d9c818dbc5" +
  "18ddc218dec018e0bd19e2bb19e3b91ae4b61ce6b41de7b21fe9af20eaac22ebaa25eca727eea42aefa12cf09e2ff19b" +
  "32f29835f39438f4913cf58e3ff68a43f78746f8844af8804ef97d52fa7a55fa7659fb735dfc6f61fc6c65fd6969fd66" +
  "6dfe6271fe5f75fe5c79fe597dff5680ff5384ff5188ff4e8bff4b8fff4992ff4796fe4499fe429cfe409ffd3fa1fd3d" +
  "a4fc3ca7fc3aa9fb39acfb38affa37b1f936b4f836b7f735b9f635bcf534bef434c1f334c3f134c6f034c8ef34cbed34" +
  "cdec34d0ea34d2e935d4e735d7e535d9e436dbe236dde037dfdf37e1dd37e3db38e5d938e7d739e9d539ebd339ecd13a" +
  "eecf3aefcd3af1cb3af2c93af4c73af5c53af6c33af7c13af8be39f9bc39faba39fbb838fbb637fcb336fcb136fdae35" +
  "fdac34fea933fea732fea431fea130fe9e2ffe9b2dfe992cfe962bfe932afe9029fd8d27fd8a26fc8725fc8423fb8122" +
  "fb7e21fa7b1ff9781ef9751df8721cf76f1af66c19f56918f46617f36315f26014f15d13f05b12ef5811ed5510ec530f" +
  "eb500eea4e0de84b0ce7490ce5470be4450ae2430ae14109df3f08dd3d08dc3b07da3907d83706d63506d43305d23105" +
  "d02f05ce2d04cc2b04ca2a04c82803c52603c32503c12302be2102bc2002b91e02b71d02b41b01b21a01af1801ac1701" +
  "a91601a71401a41301a112019e10019b0f01980e01950d01920b018e0a018b09028808028507028106027e05027a0403";
// twilight: matplotlib lib/matplotlib/_cm_listed.py `_twilight_data` (510 entries, by Bastian
// Bechtold), resampled to 256 by linear interpolation at row i * 509 / 255, so both ends are exact rows.
// Copyright (c) 2012- Matplotlib Development Team; matplotlib License (PSF-based, BSD-compatible).
const TWILIGHT_HEX =
  "e2d9e2e1d9e2e0d9e2ded9e1ddd9e0dcd9dfdad8dfd8d8ded6d7ddd4d6dcd2d5dbd0d4d9cdd3d8cbd2d7c8d1d6c5cfd5" +
  "c2ced4bfccd3bccbd2b9cad0b6c8cfb3c7ceb0c5cdadc3cdaac2cca7c0cba4becaa1bdc99fbbc99cb9c899b8c896b6c7" +
  "94b4c691b2c68eb1c68cafc589adc587abc485a9c483a7c480a6c37ea4c37ca2c27aa0c2789ec2779cc2759ac17398c1" +
  "7296c17094c06f92c06d90c06c8ebf6b8cbf6a8abf6888be6786be6784be6682bd6580bd647ebc637bbc6379bb6277bb" +
  "6275ba6173ba6170b9616eb8606cb8606ab76067b65f65b55f63b55f60b45f5eb35f5cb25f59b15f57b05e55af5e52ad" +
  "5e50ac5e4dab5e4baa5e49a85e46a75e44a55d41a35d3fa25d3ca05d3a9e5c389c5c359a5b33985b30965a2e935a2c91" +
  "592a8e58278c582589572386562183552080541e7d521c79511b765019734e186f4d176c4b166849156548146246145e" +
  "44135b4313584112553f12523e114f3c114c3b114939114738114436114235114034113e33113c32123b311239301338" +
  "30143631133732123733123835123836113838113939113a3b113b3d113b3f113c41123d43123e45123f4713404a1341" +
  "4c13424e14445114455315465615475916485b17495e174a61184a63194b66194c681a4d6b1b4d6e1c4e701c4e731d4f" +
  "751e4f781f507b20507d22507f23508224508425508727508928508b2a508d2b508f2d50912f50943150963250973450" +
  "9936509b38509d3a509f3c50a13e50a24050a44250a64450a74650a94850aa4a50ac4d50ad4f51af5151b05352b25552" +
  "b35852b45a53b55c54b75f54b86155b96356ba6657bb6858bc6a59bd6d5abe6f5bbf725cc0745dc1765fc17960c27b62" +
  "c37e64c48065c48367c58569c6886bc68a6dc78c70c78f72c89174c99477c9967aca997cca9b7fcb9e82cba085cca288" +
  "cca58bcda78eceaa91ceac94cfae98d0b09bd0b39ed1b5a2d2b7a5d3b9a8d4bcacd4beafd5c0b3d6c2b6d7c4b9d8c6bd" +
  "d9c8c0dacac3dbccc7dccdcadccfcdddd0cfded2d2ded3d4dfd5d7e0d6d9e0d7dbe1d7dce1d8dee2d8dfe2d9e1e2d9e2";
// spectral: matplotlib lib/matplotlib/_cm.py `_Spectral_data`, ColorBrewer's 11-class Spectral
// (#9e0142 ... #5e4fa2) as equally spaced stops, linear in between and sampled at i / 255 (what
// matplotlib's LinearSegmentedColormap does). This product includes color specifications and designs
// developed by Cynthia Brewer (http://colorbrewer.org/). Copyright (c) 2002 Cynthia Brewer, Mark
// Harrower, and The Pennsylvania State University; Apache-style ColorBrewer licence, full text in
// matplotlib's LICENSE/LICENSE_COLORBREWER.
const SPECTRAL_HEX =
  "9e0142a00343a20643a40844a70b44a90d45ab0f45ad1246af1446b11747b41947b61b48b81e48ba2049bc2249be254a" +
  "c1274ac32a4bc52c4bc72e4cc9314ccb334dcd364dd0384ed23a4ed43d4fd63f4fd7414ed8434ed9444dda464ddc484c" +
  "dd4a4cde4c4bdf4e4be1504be2514ae3534ae45549e55749e75948e85b48e95c47ea5e47eb6046ed6246ee6445ef6645" +
  "f06744f26944f36b43f46d43f47044f57245f57547f57748f67a49f67c4af67f4bf7814cf7844ef8864ff88950f88c51" +
  "f98e52f99153f99355fa9656fa9857fa9b58fb9d59fba05bfba35cfca55dfca85efcaa5ffdad60fdaf62fdb163fdb365" +
  "fdb567fdb768fdb96afdbb6cfdbd6dfdbf6ffdc171fdc372fdc574fdc776fec877feca79fecc7bfece7cfed07efed27f" +
  "fed481fed683fed884feda86fedc88fede89fee08bfee18dfee28ffee491fee593fee695fee797fee999feea9bfeeb9d" +
  "feec9ffeeda1feefa3fff0a6fff1a8fff2aafff3acfff5aefff6b0fff7b2fff8b4fffab6fffbb8fffcbafffdbcfffebe" +
  "ffffbefefebdfdfebbfcfebafbfdb8fafdb7f9fcb5f8fcb4f7fcb2f6fbb0f5fbaff4faadf3faacf2faaaf1f9a9f0f9a7" +
  "eff9a6eef8a4edf8a3ecf7a1ebf7a0eaf79ee9f69de8f69be7f59ae6f598e4f498e1f399dff299ddf19adaf09ad8ef9b" +
  "d6ee9bd3ed9cd1ed9ccfec9dcdeb9dcaea9ec8e99ec6e89fc3e79fc1e6a0bfe5a0bce4a0bae3a1b8e2a1b5e1a2b3e0a2" +
  "b1dfa3aedea3acdda4aadca4a7dba4a4daa4a2d9a49fd8a49cd7a499d6a497d5a494d4a491d3a48fd2a48cd1a489d0a4" +
  "86cfa584cea581cda57ecca57ccaa579c9a576c8a574c7a571c6a56ec5a56bc4a569c3a566c2a564c0a662bda760bba8" +
  "5eb9a95cb7aa5ab4ab58b2ac56b0ad54aead52abae50a9af4ea7b04ba4b149a2b247a0b3459eb4439bb54199b63f97b7" +
  "3d95b83b92b93990ba378ebb358bbc3389bd3387bc3585bb3682ba3880b93a7eb83b7cb73d79b63f77b54175b44273b3" +
  "4471b2466eb1486cb0496aaf4b68ae4d65ad4e63ac5061aa525fa9545ca8555aa75758a65956a55b53a45c51a35e4fa2";
// grayscale is linear 0..255 (an sRGB ramp, perceptually even as is) and cyantoyellow is computed from
// Rerun's definition (CC0, by Rasmus Brönnegård), so neither needs a table in the source.

// --- Functions -----------------------------------------------------------------------------------

/** Whether `x` is one of the `COLORMAPS` names (exact, lower-case). Use it to validate untrusted input. */
export function isColormap(x: unknown): x is Colormap {
  return typeof x === "string" && (COLORMAPS as readonly string[]).includes(x);
}

/** Rerun's enum number for a colormap. */
export function colormapId(name: Colormap): number {
  return COLORMAP_IDS[name];
}

/** The colormap with Rerun's enum number `id`, or `undefined` for 0, unknown ids and the Rviz maps. */
export function colormapFromId(id: number): Colormap | undefined {
  return COLORMAPS_BY_ID.get(id);
}

/**
 * Table index for `t`: `round(t * 255)` with `t` clamped to [0, 1] and NaN mapped to 0.
 * Allocation-free: per-pixel loops read `table[colormapIndex(t) * 4 + channel]`.
 */
export function colormapIndex(t: number): number {
  if (!(t > 0)) return 0; // also NaN
  if (t >= 1) return COLORMAP_TABLE_SIZE - 1;
  return Math.round(t * (COLORMAP_TABLE_SIZE - 1));
}

const tableCache = new Map<Colormap, Uint8Array>();

/**
 * The colormap as `COLORMAP_TABLE_SIZE * 4` bytes of sRGB RGBA (alpha 255), entry `i` for
 * `t = i / 255`: ready for upload as a 256x1 RGBA8 texture (no mipmaps, clamp-to-edge).
 *
 * Built on first use and cached: every call returns the SAME array, so callers must not mutate it.
 */
export function colormapTable(name: Colormap): Uint8Array {
  let table = tableCache.get(name);
  if (table === undefined) {
    table = buildTable(name);
    tableCache.set(name, table);
  }
  return table;
}

/**
 * The colour for `t` as `[r, g, b]` integers 0..255, `t` clamped to [0, 1] and NaN mapped to entry 0.
 * Allocates a tuple: for per-pixel work use `colormapTable` with `colormapIndex`.
 */
export function colormapLookup(name: Colormap, t: number): [number, number, number] {
  const table = colormapTable(name);
  const offset = colormapIndex(t) * 4;
  return [table[offset] ?? 0, table[offset + 1] ?? 0, table[offset + 2] ?? 0];
}

function buildTable(name: Colormap): Uint8Array {
  switch (name) {
    case "grayscale":
      return tableFromFunction((t) => [t, t, t]);
    case "inferno":
      return tableFromHex(INFERNO_HEX);
    case "magma":
      return tableFromHex(MAGMA_HEX);
    case "plasma":
      return tableFromHex(PLASMA_HEX);
    case "turbo":
      return tableFromHex(TURBO_HEX);
    case "viridis":
      return tableFromHex(VIRIDIS_HEX);
    case "cyantoyellow":
      return tableFromFunction(cyanToYellow);
    case "spectral":
      return tableFromHex(SPECTRAL_HEX);
    case "twilight":
      return tableFromHex(TWILIGHT_HEX);
    default: {
      const unknown: never = name;
      throw new RangeError(`unknown colormap: ${String(unknown)}`);
    }
  }
}

function tableFromHex(hex: string): Uint8Array {
  if (hex.length !== COLORMAP_TABLE_SIZE * 6) throw new Error(`colormap hex has ${hex.length} characters`);
  const table = new Uint8Array(COLORMAP_TABLE_SIZE * 4);
  for (let i = 0; i < COLORMAP_TABLE_SIZE; i++) {
    for (let channel = 0; channel < 3; channel++) {
      const at = i * 6 + channel * 2;
      table[i * 4 + channel] = Number.parseInt(hex.slice(at, at + 2), 16);
    }
    table[i * 4 + 3] = 255;
  }
  return table;
}

function tableFromFunction(srgbAt: (t: number) => readonly [number, number, number]): Uint8Array {
  const table = new Uint8Array(COLORMAP_TABLE_SIZE * 4);
  for (let i = 0; i < COLORMAP_TABLE_SIZE; i++) {
    const rgb = srgbAt(i / (COLORMAP_TABLE_SIZE - 1));
    for (let channel = 0; channel < 3; channel++) {
      const v = Math.min(1, Math.max(0, rgb[channel] ?? 0));
      table[i * 4 + channel] = Math.round(v * 255);
    }
    table[i * 4 + 3] = 255;
  }
  return table;
}

/**
 * Rerun's CyanToYellow (re_renderer colormap.wgsl, after https://www.shadertoy.com/view/lfByRh):
 * cyan, blue, dark grey, brass, yellow; perceptually even and colour-blind safe, for signed values.
 * Values outside [0, 1] are clamped by the caller.
 */
function cyanToYellow(t: number): [number, number, number] {
  const u = t * 2 - 1;
  return [(1 + 3 * u) / 4, (1 + 3 * u * u) / 4, (1 - 3 * u) / 4];
}
