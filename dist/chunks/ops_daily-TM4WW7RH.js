import{opsDaily}from"./chunk-JBPDRNOK.js";import"./chunk-CFGDCXAZ.js";import"./chunk-WUK7IC7T.js";import"./chunk-IOEN7FQ7.js";import"./chunk-L7O2TFIE.js";import"./chunk-SC5UI32A.js";export{opsDaily};
