// The workbook's toy problem for tests, built as the notebook's toy cell
// builds it (the cells live in src/workbook/cells.ts, which the web page
// replays too).
export {
  initToyData,
  initToyModel,
  runToyCells,
  TOY_LABELS,
  TOY_TRAINING,
} from "../src/workbook/cells.ts";
