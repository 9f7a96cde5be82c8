export { palette, useColour, type Palette } from './colour.ts';
export { renderTable, type TableOptions } from './table.ts';
export { OUTPUT_FORMATS, isMachine, parseOutput, renderData, type OutputFormat } from './output.ts';
