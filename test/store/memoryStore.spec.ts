import { memoryStore } from '../../src/local/memoryStore';
import { storeConformance } from './conformance';

storeConformance('memoryStore', () => memoryStore());
