import{rollback}from"./chunk-5P2FF7DG.js";import"./chunk-CFGDCXAZ.js";import"./chunk-WUK7IC7T.js";import"./chunk-IOEN7FQ7.js";import"./chunk-L7O2TFIE.js";import"./chunk-SC5UI32A.js";export{rollback};
