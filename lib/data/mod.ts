/**
 * The data layer: loading FER datasets (FER2013 CSV, FER+, CK+48 and any class-per-folder image
 * set) into `LabeledImages`, splitting them, selecting classes, finding duplicates and leakage, and
 * normalising pixels.
 *
 * @example
 * ```ts
 * const ds = await loadDataset("fer2013"); // or a path; needs FER_DATA_DIR for names
 * const { train, val, test } = officialSplit(selectClasses(ds, ["happy", "neutral", "sad"]));
 * const norm = resolveNormalization({ kind: "train-mean-std" }, train);
 * ```
 */
export { applyOrientation, jpegOrientation } from "./exif.ts";
export type { DatasetSplits, LabeledImages } from "./types.ts";
export {
  CANONICAL_CLASSES,
  canonicalClassName,
  canonicalIndex,
  FER2013_CLASSES,
} from "./classes.ts";
export { isGzip, readBytes, readText } from "./byte_stream.ts";
export {
  describeSkipped,
  type SkipOptions,
  type SkippedInput,
  type SkipReport,
} from "./skipped.ts";
export {
  FER2013_SIZE,
  FER2013_USAGES,
  type Fer2013CsvOptions,
  loadFer2013Csv,
  parseFer2013Csv,
} from "./fer2013_csv.ts";
export {
  combineFerPlus,
  FERPLUS_VOTE_COLUMNS,
  ferPlusLabel,
  type FerPlusOptions,
  type FerPlusVoteRule,
  type FerPlusVotes,
  loadFerPlus,
  readFerPlusVotes,
} from "./ferplus.ts";
export { decodeBmp, isBmp, type RgbaImage } from "./bmp.ts";
export { decodeImage, IMAGE_EXTENSIONS, toPixels } from "./image_decode.ts";
export { resizeBilinear } from "./resize.ts";
export {
  type ClassNaming,
  findImageFiles,
  type ImageFile,
  type ImageFolderOptions,
  loadImageFolder,
} from "./image_folder.ts";
export { ckPlusSubject, isCkPlusFileName } from "./ckplus.ts";
export { concat, indicesWhere, subset } from "./subset.ts";
export { classIndex, renameClasses, selectClasses } from "./select_classes.ts";
export {
  apportion,
  asSplits,
  type Fold,
  foldSplits,
  groupKFold,
  kFold,
  officialSplit,
  stratifiedSample,
  stratifiedSplit,
  stratifiedSplitIndices,
} from "./splits.ts";
export { describeProtocol, type Protocol, protocolSplits } from "./protocol.ts";
export {
  dropDuplicates,
  dropLeakage,
  findExactDuplicates,
  findLeakage,
  findNearDuplicates,
  imageSimilarity,
  type LeakageGroup,
  type NearDuplicates,
  type SimilarPair,
} from "./duplicates.ts";
export {
  checkNormalization,
  computeMeanStd,
  type MeanStd,
  type Normalization,
  type NormalizationSpec,
  parseNormalization,
  resolveNormalization,
} from "./normalization.ts";
export {
  DATA_DIR_VARIABLE,
  dataDir,
  type DatasetEntry,
  datasetEntry,
  DATASETS,
  findDataset,
  loadDataset,
  type LoadDatasetOptions,
  loadPath,
  locateDataset,
} from "./registry.ts";
export { type DataFormat, detectFormat } from "./detect.ts";
export { countClasses, type DatasetSummary, type SplitCounts, summarize } from "./summary.ts";
export { checkData, type CheckResult } from "./check.ts";
export { syntheticImages, type SyntheticOptions } from "./synthetic.ts";
export { writeFer2013Csv, writeImageFolder, type WriteImageFolderOptions } from "./writers.ts";
