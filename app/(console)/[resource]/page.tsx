import { notFound } from 'next/navigation';
import { resources } from '@/components/resource/defs';
import { ResourcePage } from '@/components/resource/ResourcePage';

export default async function Page({ params }: { params: Promise<{ resource: string }> }) {
  const { resource } = await params;
  if (!resources.some((r) => r.slug === resource)) notFound();
  return <ResourcePage slug={resource} />;
}
