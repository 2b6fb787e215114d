import{rollback}from"./chunk-XBKJCP3J.js";import"./chunk-CFGDCXAZ.js";import"./chunk-3XV3CAID.js";import"./chunk-LZ5WNG7I.js";import"./chunk-L7O2TFIE.js";import"./chunk-SC5UI32A.js";export{rollback};
