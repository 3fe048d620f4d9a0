export { calibrate, type CalibrationReport, chooseThreshold, scoreRows } from './calibrate';
export { type CalibrationConfig, calibrationConfigSchema, LeakageRefused, parseCalibrationConfig, type Row } from './config';
export { parseCsv, readCsv, toCsv } from './csv';
export { renderHtmlReport, renderTextReport } from './report';
