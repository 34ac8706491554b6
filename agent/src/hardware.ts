// Hardware detection lives in ./hardware/; this module keeps the first agent's import path working.
export { detectHardware, detectHardwareWithNotes, nvidiaClass, parseNvidiaSmi } from "./hardware/index";
