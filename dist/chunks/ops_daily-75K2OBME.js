import{opsDaily}from"./chunk-MXIY24UL.js";import"./chunk-CFGDCXAZ.js";import"./chunk-QSJBQCIK.js";import"./chunk-LZ5WNG7I.js";import"./chunk-L7O2TFIE.js";import"./chunk-SC5UI32A.js";export{opsDaily};
