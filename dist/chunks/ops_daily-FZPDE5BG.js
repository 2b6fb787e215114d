import{opsDaily}from"./chunk-TCZ24XJ3.js";import"./chunk-CFGDCXAZ.js";import"./chunk-7ZHWIOSI.js";import"./chunk-76U5EXT3.js";import"./chunk-L7O2TFIE.js";import"./chunk-SC5UI32A.js";export{opsDaily};
